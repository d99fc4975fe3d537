namespace OrleansBreaker.Accounts;

/// <summary>
/// One account's rules as plain C#: what a dispatch gets, what an upstream verdict, a reminder tick or an
/// outside event changes, and what must then happen (<see cref="Effects"/>). Deterministic and free of I/O:
/// the time, the safety view, the verdict and what the event log holds come in as arguments. It changes the
/// account it holds (the persisted <see cref="AccountState"/>, the cap counters derived from the log, pacing)
/// and leaves the rest to <see cref="AccountGrain"/>, which carries the effects out and does nothing else.
/// </summary>
internal sealed partial class AccountDecider
{
    /// <summary>
    /// The most recent final intents (sent or failed) kept in state, so that a campaign repeating a key
    /// it has just dispatched gets the recorded outcome at once, whatever the account's checks say now.
    /// Older keys are answered by the event log, asked right before a send. Bounded by count, not age,
    /// because every state write carries them all (docs/benchmarks.md, finding B).
    /// </summary>
    internal const int RecentFinalIntents = 8;
    /// <summary>Unknown intents count toward the caps, so they stay as long as a cap window can see them (a week and a day).</summary>
    private static readonly TimeSpan UnknownIntentRetention = TimeSpan.FromDays(8);
    /// <summary>
    /// The cap counters are re-derived from the event log this often (and on activation), so that
    /// deliveries recorded by another activation or by hand can never leave them drifting.
    /// </summary>
    private static readonly TimeSpan RecountEvery = TimeSpan.FromMinutes(10);
    /// <summary>How far ahead of this server's clock an event reported from outside may be dated (API.md §3).</summary>
    internal static readonly TimeSpan ExternalClockSkew = TimeSpan.FromMinutes(5);

    private readonly string _workspaceId;
    private readonly string _accountId;
    private readonly AccountState _state;
    private readonly DispatchOptions _options;
    // The cap counters: derived from the event log, never persisted as counters that could drift.
    private readonly CapCounter _caps = new();
    private DateTimeOffset _countedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _nextSendAt = DateTimeOffset.MinValue;
    // Made when a campaign is first refused for pacing: an account used by one campaign, or unpaced, has none.
    private PacingTurns? _turns;

    public AccountDecider(string workspaceId, string accountId, AccountState state, DispatchOptions options)
    {
        (_workspaceId, _accountId, _state, _options) = (workspaceId, accountId, state, options);
        Zone = state.Exists ? TimeZoneInfo.FindSystemTimeZoneById(state.TimeZone) : TimeZoneInfo.Utc;
    }

    public AccountState State => _state;
    public TimeZoneInfo Zone { get; private set; }
    /// <summary>The grain key, <c>{workspace}/{account}</c>: what the reset jitter is drawn from.</summary>
    public string Key => GrainKeys.Scoped(_workspaceId, _accountId);

    /// <summary>From when the event log's deliveries must be read for <see cref="Recount"/>: the cap windows' reach.</summary>
    public DateTimeOffset CountSince(DateTimeOffset now) => CapWindows.WeekStart(now, Zone).AddDays(-1);

    public bool CountsStale(DateTimeOffset now) => now - _countedAt > RecountEvery;

    /// <summary>Re-derives the cap counters and the next pacing slot from the log's deliveries (and the outbox's).</summary>
    public void Recount(IEnumerable<DeliveredAction> delivered, DateTimeOffset now)
    {
        var outboxed = _state.Outbox.Where(e => e.Kind == EventKind.Sent && e.Action is not null).Select(e => new DeliveredAction(e.Action!.Value, e.At));
        // A row dated after now (written to the log by hand, or by a clock gone wrong) decides nothing: it
        // would hold a cap or push pacing to that date, and a date near the end of time would overflow.
        _caps.Reset(delivered.Concat(outboxed).Where(d => d.At <= now), Zone);
        _countedAt = now;
        // Pacing survives a move to another silo: the last delivery, wherever it happened, sets the next slot.
        if (_caps.LastAt is { } lastAt)
        {
            var next = lastAt + _options.MinInterval;
            _nextSendAt = next > _nextSendAt ? next : _nextSendAt;
        }
    }

    /// <summary>Why an account that is not connected sends nothing.</summary>
    private Reason StatusReason => _state.Status == AccountStatus.Restricted ? Reason.AccountRestricted : Reason.AccountDisconnected;

    /// <summary>
    /// The checks after the breaker that refuse a send without calling LinkedIn, in the order dispatch runs
    /// them: the action disabled, the cap, the warm-up's ramp, working hours, pacing. Null: it may go now.
    /// </summary>
    private (DispatchStatus Status, Reason Reason, DateTimeOffset? At)? LocalRefusal(ActionType action, DateTimeOffset now)
    {
        var limits = _state.LimitsFor(action);
        if (limits.Daily == 0 || limits.Weekly == 0)
        {
            return (DispatchStatus.Blocked, Reason.ActionDisabled, null);
        }
        var (today, thisWeek) = CapCounted(action, now);
        if (CapWindows.BlockedUntil(limits, today, thisWeek, now, Zone) is { } capUntil)
        {
            return (DispatchStatus.Deferred, Reason.CapReached, capUntil);
        }
        if (_state.WarmUp is { } warmUp && CapWindows.BlockedUntil(WarmUpRamp.Effective(limits, warmUp, now, Zone), today, thisWeek, now, Zone) is not null)
        {
            // Under the full caps but over today's ramp: tomorrow's ramp is higher (BRIEF §12).
            return (DispatchStatus.Deferred, Reason.WarmUp, CapWindows.NextDayStart(now, Zone));
        }
        if (WorkingHoursCalendar.NextOpening(now, Zone, _state.WorkingHours ?? _options.WorkingHours) is { } opens)
        {
            return (DispatchStatus.Deferred, Reason.OutsideWorkingHours, opens);
        }
        if (now < _nextSendAt)
        {
            return (DispatchStatus.Deferred, Reason.Pacing, _nextSendAt);
        }
        return null;
    }

    /// <summary>
    /// What the caps count: every delivery in the event log, plus every send whose outcome is unknown
    /// (it may have been performed; when in doubt, the cap assumes it was).
    /// </summary>
    private (int Today, int ThisWeek) CapCounted(ActionType action, DateTimeOffset now)
    {
        var (today, week) = _caps.Count(action, now);
        List<DeliveredAction>? unknown = null;
        foreach (var intent in _state.Intents.Values)
        {
            if (intent.Status == IntentStatus.Unknown && intent.Action == action)
            {
                (unknown ??= []).Add(new DeliveredAction(intent.Action, intent.At));
            }
        }
        if (unknown is null)
        {
            return (today, week);
        }
        var (unknownToday, unknownWeek) = CapWindows.Count(unknown, action, now, Zone);
        return (today + unknownToday, week + unknownWeek);
    }

    private EventRecord Event(EventKind kind, ActionType action, DateTimeOffset at, DispatchCommand? command = null) => new()
    {
        At = at,
        Kind = kind,
        WorkspaceId = _workspaceId,
        AccountId = _accountId,
        Action = action,
        CampaignId = command?.CampaignId,
        ProspectId = command?.ProspectId,
        Text = ActivityText.For(kind, Reason.None, action),
    };

    private static DispatchResult Result(DispatchStatus status, Reason reason, DateTimeOffset now, DateTimeOffset? resumeAt = null, OutcomeClass? outcome = null) =>
        new() { Status = status, Reason = reason, ResumeAt = resumeAt, At = now, Outcome = outcome };
}
