using OrleansBreaker.Safety;

namespace OrleansBreaker.Accounts;

/// <summary>What LinkedIn's verdict on a send changes: the intent, the caps, the breaker, the status, pacing (BRIEF §4, §5, §8).</summary>
internal sealed partial class AccountDecider
{
    /// <param name="jitter">Added to the pacing interval after a delivery (drawn by the grain, at most <see cref="DispatchOptions.MaxJitter"/>).</param>
    /// <param name="probe">The send was the workspace's half-open probe: its outcome closes or re-opens the safety mode.</param>
    public (DispatchResult Result, Effects Effects) Apply(DispatchCommand command, UpstreamVerdict verdict, DateTimeOffset at, TimeSpan jitter, bool probe)
    {
        var effects = new Effects();
        var before = (_state.Breaker(command.Action), _state.Status);
        var result = Verdict(command, verdict, at, effects);
        // A plain outcome changes nothing in state but the intent, and the log records it in place of the
        // claim: nothing is written. Anything else (a trip, a status change, an unknown outcome) is written now.
        var plain = verdict.Class is OutcomeClass.Delivered or OutcomeClass.RecipientUnavailable
            && _state.Intents.TryGetValue(command.Key, out var final) && final.Status is IntentStatus.Sent or IntentStatus.Failed
            && before == (_state.Breaker(command.Action), _state.Status);
        effects.Persist(plain ? StateWrite.None : StateWrite.Now);
        if (!_state.Intents.ContainsKey(command.Key))
        {
            // LinkedIn did not perform it (a trip, the account gone, a transient error): the key may go out later.
            effects.GiveBack(command.Key);
        }

        var transient = verdict.Class is OutcomeClass.RateLimited or OutcomeClass.UpstreamError;
        if (probe || transient)
        {
            effects.Safety = new SafetyReport(probe ? !transient : null,
                probe ? null : new SafetyErrorReport(_accountId, command.CampaignId, command.ProspectId, verdict.Class, at));
        }
        if (verdict.Class == OutcomeClass.Delivered)
        {
            _nextSendAt = at + _options.MinInterval + jitter;
            _turns?.Sent(command.CampaignId, _nextSendAt);
            result = result with { NextSendAt = _nextSendAt };
        }
        return (result, effects);
    }

    private DispatchResult Verdict(DispatchCommand command, UpstreamVerdict verdict, DateTimeOffset now, Effects effects)
    {
        var key = command.Key;
        var action = command.Action;
        switch (verdict.Class)
        {
            case OutcomeClass.Delivered:
                _state.Intents[key] = _state.Intents[key] with { Status = IntentStatus.Sent, At = now };
                _caps.Add(action, now);
                effects.Events.Add(Event(EventKind.Sent, action, now, command) with { Key = key });
                if (_state.Breaker(action).State == BreakerState.Probing)
                {
                    Clear(action, Breaker.ClearOnSuccess(_state.Breaker(action), now), "the post-reset probe succeeded", now, effects);
                }
                return Result(DispatchStatus.Sent, Reason.None, now, outcome: verdict.Class);

            case OutcomeClass.CreditsExhausted:
            case OutcomeClass.ActionLimitReached:
                _state.Intents.Remove(key);
                return Trip(command, verdict.Class, verdict.Code, now, effects);

            case OutcomeClass.RecipientUnavailable when verdict.Ambiguous:
                var (updated, shouldTrip) = Breaker.RecordAmbiguous(_state.Breaker(action), command.ProspectId, now);
                _state.Breakers[action] = updated;
                if (shouldTrip)
                {
                    _state.Intents.Remove(key);
                    return Trip(command, OutcomeClass.CreditsExhausted, $"{verdict.Code} from {Breaker.AmbiguousDistinctRecipients} distinct recipients within 24 h", now, effects);
                }
                return Fail(command, verdict, now, effects);

            case OutcomeClass.RecipientUnavailable:
                return Fail(command, verdict, now, effects);

            case OutcomeClass.AccountDisconnected:
            case OutcomeClass.AccountRestricted:
                _state.Intents.Remove(key);
                _state.Status = verdict.Class == OutcomeClass.AccountRestricted ? AccountStatus.Restricted : AccountStatus.Disconnected;
                var reason = StatusReason;
                effects.Events.Add(Event(EventKind.AccountStatusChanged, action, now, command) with { Reason = reason, Text = $"Account {_state.Status}: {verdict.Code}" });
                effects.Note(new StatusNote(_state.Status, verdict.Code));
                return Result(DispatchStatus.Blocked, reason, now, outcome: verdict.Class);

            default:
                if (verdict.OutcomeUncertain)
                {
                    // LinkedIn may have performed it: never re-sent, counted by the caps, shown as Unknown.
                    _state.Intents[key] = _state.Intents[key] with { Status = IntentStatus.Unknown, At = now, Reason = Reason.OutcomeUnknown };
                    effects.Events.Add(Event(EventKind.Unknown, action, now, command) with { Key = key, Reason = Reason.OutcomeUnknown, Text = $"Outcome unknown ({verdict.Code}): not re-sent" });
                    return Result(DispatchStatus.Unknown, Reason.OutcomeUnknown, now, outcome: verdict.Class);
                }
                _state.Intents.Remove(key);
                return Result(DispatchStatus.Retry, verdict.Class == OutcomeClass.RateLimited ? Reason.RateLimited : Reason.UpstreamError, now, outcome: verdict.Class);
        }
    }

    private DispatchResult Fail(DispatchCommand command, UpstreamVerdict verdict, DateTimeOffset now, Effects effects)
    {
        _state.Intents[command.Key] = _state.Intents[command.Key] with { Status = IntentStatus.Failed, At = now, Reason = Reason.RecipientUnavailable };
        effects.Events.Add(Event(EventKind.Failed, command.Action, now, command) with
        {
            Key = command.Key, Reason = Reason.RecipientUnavailable, Text = $"Failed: {command.Action} ({verdict.Code})",
        });
        return Result(DispatchStatus.Failed, Reason.RecipientUnavailable, now, outcome: verdict.Class);
    }

    private DispatchResult Trip(DispatchCommand command, OutcomeClass reason, string evidence, DateTimeOffset now, Effects effects)
    {
        var action = command.Action;
        var tripped = Breaker.Trip(_state.Breaker(action), action, reason, now, Zone, _state.ResetDay, evidence);
        _state.Breakers[action] = tripped;
        AddWaitingCampaign(action, command.CampaignId);
        effects.Events.Add(Event(EventKind.BreakerTripped, action, now, command) with
        {
            Reason = Breaker.SkipReason(action, reason),
            ResumeAt = tripped.ResumeAt,
            Text = $"Breaker tripped: {action} ({reason}: {evidence}); resumes at {tripped.ResumeAt:u}",
        });
        effects.Note(new TrippedNote(action, reason, tripped.ResumeAt, tripped.ReArmed));
        effects.Reminders();
        return SkipResult(action, tripped, reason, now, outcome: reason);
    }
}
