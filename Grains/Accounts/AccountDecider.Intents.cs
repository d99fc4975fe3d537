namespace OrleansBreaker.Accounts;

/// <summary>The dispatch intents: what a key already dispatched answers, what is kept, and what a crash left pending (BRIEF §8).</summary>
internal sealed partial class AccountDecider
{
    /// <summary>The answer of a key already dispatched, from the outcome recorded for it.</summary>
    public static DispatchResult Replay(IntentStatus status, Reason reason, DateTimeOffset at) => new()
    {
        Status = status switch
        {
            IntentStatus.Sent => DispatchStatus.Sent,
            IntentStatus.Failed => DispatchStatus.Failed,
            _ => DispatchStatus.Unknown,
        },
        Reason = status is IntentStatus.Pending or IntentStatus.Unknown ? Reason.OutcomeUnknown : reason,
        Replayed = true,
        At = at,
    };

    /// <summary>The answer of a key whose outcome event was found (in the outbox or the log).</summary>
    public static DispatchResult Replay(EventRecord logged) => Replay(OutcomeOf(logged.Kind), logged.Reason, logged.At);

    /// <summary>The outcome a logged event records for its idempotency key.</summary>
    private static IntentStatus OutcomeOf(EventKind kind) => kind switch
    {
        EventKind.Sent => IntentStatus.Sent,
        EventKind.Failed => IntentStatus.Failed,
        _ => IntentStatus.Unknown,
    };

    /// <summary>
    /// An event the account still holds in its outbox (the log refused it for now) for <paramref name="key"/>:
    /// nothing the account knows about a key may be missed by the check that runs before a send.
    /// </summary>
    public EventRecord? FindInOutbox(string key)
    {
        var outbox = _state.Outbox;
        for (var i = outbox.Count - 1; i >= 0; i--)
        {
            if (outbox[i].Key == key)
            {
                return outbox[i];
            }
        }
        return null;
    }

    /// <summary>Intents persisted before a send whose outcome was not (a deactivation or a crash in between).</summary>
    public IReadOnlyList<IntentRecord> Pending() => [.. _state.Intents.Values.Where(i => i.Status == IntentStatus.Pending)];

    /// <summary>
    /// Resolves a pending intent from what the log holds for its key. Nothing logged: LinkedIn may have performed
    /// it, so it becomes Unknown, is never re-sent, and the returned event says so.
    /// </summary>
    public EventRecord? Resolve(IntentRecord intent, EventRecord? logged, DateTimeOffset now)
    {
        // The outcome of the last dispatch before a deactivation is written with the next intent, so a pending
        // intent is usually one whose outcome the log already holds.
        if (logged?.Kind is EventKind.Sent or EventKind.Failed or EventKind.Unknown)
        {
            _state.Intents[intent.Key] = intent with { Status = OutcomeOf(logged.Kind), At = logged.At, Reason = logged.Reason };
            return null;
        }
        _state.Intents[intent.Key] = intent with { Status = IntentStatus.Unknown, At = now, Reason = Reason.OutcomeUnknown };
        return Event(EventKind.Unknown, intent.Action, now) with
        {
            CampaignId = intent.CampaignId, ProspectId = intent.ProspectId, Key = intent.Key, Reason = Reason.OutcomeUnknown,
            Text = "Outcome unknown: the dispatch was interrupted; not re-sent",
        };
    }

    /// <summary>A claim a crash left in the log: the send may have happened, so it is Unknown, with the event that says so (its outcome, in the claim's place).</summary>
    /// <remarks>Every claim the account writes names its action, campaign and prospect (<see cref="BeginSend"/>); the fallbacks only keep a row edited by hand from stopping the activation.</remarks>
    public EventRecord Interrupted(EventRecord claim, DateTimeOffset now) =>
        Resolve(new IntentRecord(claim.Key!, claim.Action ?? default, claim.CampaignId ?? "", claim.ProspectId ?? "", IntentStatus.Pending, claim.At), null, now)!;

    /// <summary>
    /// Keeps pending intents, unknown ones while a cap window can count them (a week and a day), and
    /// the <see cref="RecentFinalIntents"/> latest final ones; <paramref name="keep"/> always stays.
    /// </summary>
    public void PruneIntents(DateTimeOffset now, string? keep = null)
    {
        var finals = 0;
        var staleUnknown = false;
        foreach (var intent in _state.Intents.Values)
        {
            finals += intent.Status is IntentStatus.Sent or IntentStatus.Failed ? 1 : 0;
            staleUnknown |= intent.Status == IntentStatus.Unknown && now - intent.At > UnknownIntentRetention;
        }
        // Most dispatches find nothing to drop: sort only when something must go.
        if (finals <= RecentFinalIntents && !staleUnknown)
        {
            return;
        }
        var kept = 0;
        foreach (var intent in _state.Intents.Values.OrderByDescending(i => i.At).ToList())
        {
            var drop = intent.Status switch
            {
                IntentStatus.Pending => false,
                IntentStatus.Unknown => now - intent.At > UnknownIntentRetention,
                _ => ++kept > RecentFinalIntents,
            };
            if (drop && intent.Key != keep)
            {
                _state.Intents.Remove(intent.Key);
            }
        }
    }
}
