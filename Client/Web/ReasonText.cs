namespace OrleansBreaker.Client.Web;

/// <summary>"Why is my prospect stuck?" in words, one per typed reason (BRIEF §5).</summary>
public static class ReasonText
{
    public static string Explain(Reason reason, ActionType? action) => reason switch
    {
        Reason.None => "Nothing is holding this prospect back.",
        Reason.InMailCreditsExhausted =>
            "The account ran out of InMail credits: its InMail breaker is open. InMails on this account resume at the monthly reset " +
            "(the 1st, 00:00 UTC), or as soon as a successful InMail on the same account is recorded. Invites, messages and the other action types keep flowing.",
        Reason.ActionLimitReached =>
            $"LinkedIn's own {action} limit was reached on the account: its {action} breaker is open until LinkedIn's window rolls, or until a successful {action} is recorded.",
        Reason.AccountDisconnected => "The LinkedIn account is disconnected (session expired). Nothing is sent on it until it is reconnected.",
        Reason.AccountRestricted => "LinkedIn restricted the account. Nothing is sent on it until the restriction is lifted.",
        Reason.SafetyMode => "The workspace's temporary safety mode is open after a burst of upstream errors: nothing is dispatched on any account until it recovers.",
        Reason.CapReached => $"The account's daily or weekly {action} cap is used up; the prospect goes out when the window rolls.",
        Reason.OutsideWorkingHours => "Outside the account's working hours; the prospect goes out when they start again.",
        Reason.StepDelay => "Waiting for the step's configured delay.",
        Reason.Pacing => "Waiting for the account's minimum interval between actions.",
        Reason.RecipientUnavailable => "The prospect cannot receive this action (InMail disabled, profile gone, already invited, not connected).",
        Reason.RateLimited => "LinkedIn answered 'too many requests'; retried with backoff.",
        Reason.UpstreamError => "LinkedIn answered with an error or not at all; retried with backoff.",
        Reason.OutcomeUnknown => "The send may or may not have happened (it was interrupted). It is never re-sent automatically: check on LinkedIn.",
        Reason.StorageUnavailable => "The database is unreachable: nothing is sent until it is back.",
        Reason.ActionDisabled => $"{action} is disabled on the account (its cap is 0).",
        Reason.CircuitBreaker => "Failed in a burst of upstream errors that tripped the workspace's temporary safety mode; retried once it lets dispatch through.",
        Reason.CampaignPaused => "The campaign is paused.",
        Reason.WarmUp => $"The account is warming up: today's {action} cap is ramped below the full cap; the prospect goes out when the next local day opens.",
        Reason.AccountRemovedFromPool => "The account this prospect's conversation started on left the campaign's pool: every later step goes from that account, so the prospect waits until the account is back in the pool.",
        _ => reason.ToString(),
    };

    public static string Outcome(OutcomeClass? outcome) => outcome switch
    {
        OutcomeClass.CreditsExhausted => "InMail credits exhausted",
        OutcomeClass.ActionLimitReached => "LinkedIn limit reached",
        null => "",
        _ => outcome.Value.ToString(),
    };
}
