namespace OrleansBreaker;

/// <summary>
/// Typed reasons a prospect is not progressing, or an event happened (BRIEF §5). The names are
/// part of the REST contract (<c>reason</c> fields and the Activity filter), so never rename one.
/// </summary>
public enum Reason
{
    None = 0,
    /// <summary>The account's InMail breaker is open: no credits until the reset.</summary>
    InMailCreditsExhausted = 1,
    /// <summary>LinkedIn's own limit for the action type was hit; its breaker is open.</summary>
    ActionLimitReached = 2,
    AccountDisconnected = 3,
    AccountRestricted = 4,
    /// <summary>The workspace's temporary safety mode is open.</summary>
    SafetyMode = 5,
    /// <summary>The daily or weekly cap of the action type is used up until the window rolls.</summary>
    CapReached = 6,
    OutsideWorkingHours = 7,
    /// <summary>Waiting for the step's configured delay.</summary>
    StepDelay = 8,
    /// <summary>Waiting for the account's minimum interval between actions.</summary>
    Pacing = 9,
    /// <summary>The prospect cannot receive this action (InMail disabled, profile gone, already invited...).</summary>
    RecipientUnavailable = 10,
    /// <summary>LinkedIn answered 429 or equivalent; retried with backoff.</summary>
    RateLimited = 11,
    /// <summary>5xx, connection failure or an unrecognised answer; retried with backoff.</summary>
    UpstreamError = 12,
    /// <summary>The send may or may not have happened; never re-sent automatically.</summary>
    OutcomeUnknown = 13,
    /// <summary>Storage (the database) is unreachable: nothing is sent until it returns.</summary>
    StorageUnavailable = 14,
    /// <summary>The action type is disabled on the account (cap 0).</summary>
    ActionDisabled = 15,
    /// <summary>Failed in a burst that tripped the workspace safety mode; retryable.</summary>
    CircuitBreaker = 16,
    /// <summary>The campaign is paused.</summary>
    CampaignPaused = 17,
    /// <summary>The account's warm-up ramp caps today's sends below the full cap (BRIEF §12); resumes when the next local day opens.</summary>
    WarmUp = 18,
    /// <summary>The prospect's account (the one its conversation started on) was removed from the campaign's pool (BRIEF §11).</summary>
    AccountRemovedFromPool = 19,
}

/// <summary>Texts users read in the Activity tab. Exact strings are promised by the help article.</summary>
public static class ActivityText
{
    public const string InMailCreditsExhaustedSkip = "Skipped: account InMail credits exhausted";

    public static string For(EventKind kind, Reason reason, ActionType? action) => (kind, reason) switch
    {
        (EventKind.Skipped, Reason.InMailCreditsExhausted) => InMailCreditsExhaustedSkip,
        (EventKind.Skipped, Reason.ActionLimitReached) => $"Skipped: account {action} limit reached",
        (EventKind.BreakerTripped, _) => $"Breaker tripped: {action} ({reason})",
        (EventKind.BreakerCleared, _) => $"Breaker cleared: {action}",
        (EventKind.Sent, _) => $"Sent: {action}",
        (EventKind.Failed, Reason.CircuitBreaker) => "Failed: circuit breaker (temporary safety mode)",
        (EventKind.Failed, _) => $"Failed: {action} ({reason})",
        (EventKind.Unknown, _) => $"Outcome unknown: {action} was not re-sent",
        _ => reason == Reason.None ? $"{kind}: {action}" : $"{kind}: {action} ({reason})",
    };
}
