namespace OrleansBreaker.Accounts;

/// <summary>What the account shows: its view for the API and dashboard, and its seat for a campaign's pool (BRIEF §11).</summary>
internal sealed partial class AccountDecider
{
    public AccountView View(DateTimeOffset now) => new()
    {
        Id = _accountId,
        WorkspaceId = _workspaceId,
        Exists = _state.Exists,
        Status = _state.Status,
        TimeZone = _state.TimeZone,
        UnknownIntents = _state.Intents.Values.Count(i => i.Status == IntentStatus.Unknown),
        Breakers = ActionTypes.All.ToDictionary(a => a, a =>
        {
            var b = _state.Breaker(a);
            return new BreakerView
            {
                State = b.State, Reason = b.Reason, TrippedAt = b.TrippedAt, ResumeAt = b.ResumeAt,
                Evidence = b.Evidence, ClearsBy = Breaker.ClearsBy(b, a),
            };
        }),
        Usage = ActionTypes.All.ToDictionary(a => a, a =>
        {
            var limits = _state.LimitsFor(a);
            var ramped = WarmUpRamp.Effective(limits, _state.WarmUp, now, Zone);
            var (today, week) = CapCounted(a, now);
            return new UsageView(today, ramped.Daily, week, ramped.Weekly) { FullDailyCap = limits.Daily, FullWeeklyCap = limits.Weekly };
        }),
        WarmUp = _state.WarmUp is { } w && WarmUpRamp.Ramping(w, now, Zone) ? new WarmUpView(w.Days, w.StartedAt, WarmUpRamp.Day(w.StartedAt, now, Zone)) : null,
    };

    /// <summary>What dispatch would answer for each action now, short of the safety mode and the event log.</summary>
    public SeatView Seat(IReadOnlyList<ActionType> actions, DateTimeOffset now)
    {
        var seat = new Dictionary<ActionType, SeatAction>();
        foreach (var action in actions.Distinct())
        {
            var limits = _state.LimitsFor(action);
            var (today, _) = CapCounted(action, now);
            var daily = WarmUpRamp.Effective(limits, _state.WarmUp, now, Zone).Daily;
            var breaker = _state.Breaker(action);
            var (reason, at, trip) = (Reason.None, (DateTimeOffset?)null, (DateTimeOffset?)null);
            if (!_state.Exists || _state.Status != AccountStatus.Connected)
            {
                reason = StatusReason;
            }
            else if (Breaker.Decide(breaker) == BreakerDecision.Skip && !Breaker.ResumeDue(breaker, now))
            {
                (reason, at, trip) = (Breaker.SkipReason(action, breaker.Reason), breaker.ResumeAt, breaker.TrippedAt);
            }
            else if (LocalRefusal(action, now) is { } refusal)
            {
                (reason, at) = (refusal.Reason, refusal.At);
            }
            seat[action] = new SeatAction { Reason = reason, At = at, Today = today, DailyCap = daily, TripId = trip };
        }
        return new SeatView { AccountId = _accountId, Exists = _state.Exists, Status = _state.Status, Actions = seat };
    }
}
