namespace OrleansBreaker.Accounts;

/// <summary>What the breaker and the workspace safety mode say of a dispatch that got past <see cref="AccountDecider.Answer"/>.</summary>
internal enum GateKind
{
    /// <summary>Refused before the breaker: the safety mode is open.</summary>
    Refuse,
    /// <summary>The action's breaker is open: skipped, once the log is asked whether the key was already sent.</summary>
    Skip,
    /// <summary>On to the local checks.</summary>
    Pass,
}

/// <param name="Effects">Of a resume that fell due before its reminder (null when none).</param>
internal readonly record struct Gate(GateKind Kind, DispatchResult? Refusal, Effects? Effects);

/// <summary>
/// Dispatch, step by step in the order of BRIEF §8: <see cref="Answer"/> (a key held, the account's status),
/// <see cref="Pass"/> (safety mode, breaker), <see cref="Admit"/> (caps, warm-up, hours, pacing), then
/// <see cref="BeginSend"/> and, with LinkedIn's verdict, <see cref="Apply"/>. Between the steps the grain
/// does what only it can: read the safety view, recount from the log, take the probe, claim the key.
/// </summary>
internal sealed partial class AccountDecider
{
    /// <summary>The answer that needs neither the safety mode nor the log: a key still held, or an account that cannot send. Null: go on.</summary>
    public DispatchResult? Answer(DispatchCommand command, DateTimeOffset now)
    {
        // A key this account still holds answers at once, whatever the checks say now. The log (for keys
        // older than the intents kept) is asked only when a send would otherwise happen, or before a skip.
        if (_state.Intents.TryGetValue(command.Key, out var held))
        {
            return Replay(held.Status, held.Reason, held.At);
        }
        if (!_state.Exists)
        {
            return Result(DispatchStatus.Blocked, Reason.AccountDisconnected, now);
        }
        return _state.Status != AccountStatus.Connected ? Result(DispatchStatus.Blocked, StatusReason, now) : null;
    }

    public Gate Pass(DispatchCommand command, SafetyView safety, DateTimeOffset now)
    {
        if (safety.State == SafetyState.Open)
        {
            return new Gate(GateKind.Refuse, Result(DispatchStatus.Blocked, Reason.SafetyMode, now, safety.ResumeAt), null);
        }
        // The reset instant passed and its (jittered) reminder has not fired yet: resume now, exactly as the
        // reminder would. Idempotent with the reminder's own tick.
        var resumed = Breaker.ResumeDue(_state.Breaker(command.Action), now) ? Resume(command.Action, now) : null;
        var kind = Breaker.Decide(_state.Breaker(command.Action)) == BreakerDecision.Skip ? GateKind.Skip : GateKind.Pass;
        return new Gate(kind, null, resumed);
    }

    /// <summary>The skip of an open breaker: the campaign is told when it clears.</summary>
    public (DispatchResult Result, Effects? Effects) Skip(DispatchCommand command, DateTimeOffset now)
    {
        var breaker = _state.Breaker(command.Action);
        var effects = AddWaitingCampaign(command.Action, command.CampaignId) ? new Effects().Persist(StateWrite.NowOrFail) : null;
        return (SkipResult(command.Action, breaker, breaker.Reason, now), effects);
    }

    /// <summary>The local checks, in order; a campaign refused for pacing joins the line for the account's slots. Null: it may go.</summary>
    public DispatchResult? Admit(DispatchCommand command, DateTimeOffset now)
    {
        if (LocalRefusal(command.Action, now) is { } refusal)
        {
            if (refusal is { Reason: Reason.Pacing, At: { } slot })
            {
                (_turns ??= new PacingTurns(_options.CampaignTick * 2 + TimeSpan.FromSeconds(1))).Waiting(command.CampaignId, slot);
            }
            return Result(refusal.Status, refusal.Reason, now, refusal.At);
        }
        // The slot is another campaign's turn, kept for it while it comes back (campaigns sharing the account take turns).
        return _turns?.Held(command.CampaignId, now) is { } turnEnds ? Result(DispatchStatus.Deferred, Reason.Pacing, now, turnEnds) : null;
    }

    /// <summary>
    /// The intent: pending in memory, and the claim of its key the grain stores in the event log before
    /// LinkedIn is called (a claim that cannot be stored sends nothing).
    /// </summary>
    public EventRecord BeginSend(DispatchCommand command, DateTimeOffset now)
    {
        _state.Intents[command.Key] = new IntentRecord(command.Key, command.Action, command.CampaignId, command.ProspectId, IntentStatus.Pending, now);
        PruneIntents(now, keep: command.Key);
        return Event(EventKind.Claimed, command.Action, now, command) with { Key = command.Key, Text = $"Sending: {command.Action}" };
    }

    /// <summary>The claim could not be stored: nothing was sent, and nothing of it stays.</summary>
    public void Withdraw(string key) => _state.Intents.Remove(key);

    /// <summary>
    /// The claim found its key held: by an outcome, answered as recorded; by a send still in flight in another
    /// activation, refused here without sending; by a claim older than any send can be in flight, a send a crash
    /// interrupted, which becomes Unknown (never re-sent).
    /// </summary>
    public (DispatchResult Result, Effects? Effects) Held(DispatchCommand command, EventRecord holder, DateTimeOffset now)
    {
        Withdraw(command.Key);
        if (holder.Kind != EventKind.Claimed)
        {
            return (Replay(holder), null);
        }
        if (now - holder.At <= InFlightAtMost)
        {
            return (Result(DispatchStatus.Blocked, Reason.StorageUnavailable, now), null);
        }
        var effects = new Effects().Persist(StateWrite.Now);
        effects.Events.Add(Interrupted(holder, now));
        return (Replay(IntentStatus.Unknown, Reason.OutcomeUnknown, now), effects);
    }

    /// <summary>Longer than any send can take (the upstream call's timeout, twice): a claim older than this is not in flight.</summary>
    private TimeSpan InFlightAtMost => _options.UpstreamTimeout * 2;

    /// <summary>A transient failure that tripped (or found open) the safety mode is the prospect's "failed (circuit breaker)".</summary>
    public static DispatchResult AfterSafetyReport(DispatchResult result, SafetyView view) =>
        view.State != SafetyState.Closed && result.Status == DispatchStatus.Retry
            ? result with { Status = DispatchStatus.Failed, Reason = Reason.CircuitBreaker, ResumeAt = view.ResumeAt }
            : result;

    private static DispatchResult SkipResult(ActionType action, BreakerRecord breaker, OutcomeClass? reason, DateTimeOffset now, OutcomeClass? outcome = null) => new()
    {
        Status = DispatchStatus.Skipped,
        Reason = Breaker.SkipReason(action, reason),
        ResumeAt = breaker.ResumeAt,
        TripId = breaker.TrippedAt,
        Outcome = outcome,
        At = now,
    };
}
