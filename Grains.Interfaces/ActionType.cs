namespace OrleansBreaker;

/// <summary>The six LinkedIn action types (BRIEF §2). Each has its own caps and breaker per account.</summary>
public enum ActionType
{
    Invite = 0,
    Message = 1,
    InMail = 2,
    ViewProfile = 3,
    EngagePost = 4,
    EndorseSkill = 5,
}

/// <summary>Helpers over <see cref="ActionType"/>.</summary>
public static class ActionTypes
{
    /// <summary>All action types, in declaration order.</summary>
    public static readonly IReadOnlyList<ActionType> All = Enum.GetValues<ActionType>();

    /// <summary>Parses an action type name exactly as written in the API (case-insensitive); no numbers.</summary>
    public static bool TryParse(string? text, out ActionType action)
    {
        action = default;
        return !string.IsNullOrWhiteSpace(text)
            && !char.IsDigit(text[0]) && text[0] != '-'
            && Enum.TryParse(text, ignoreCase: true, out action)
            && Enum.IsDefined(action);
    }
}

/// <summary>Connection status of a LinkedIn account.</summary>
public enum AccountStatus
{
    Connected = 0,
    Disconnected = 1,
    Restricted = 2,
}

/// <summary>The classes every upstream answer falls into (BRIEF §3).</summary>
public enum OutcomeClass
{
    Delivered = 0,
    CreditsExhausted = 1,
    ActionLimitReached = 2,
    RecipientUnavailable = 3,
    AccountDisconnected = 4,
    AccountRestricted = 5,
    RateLimited = 6,
    UpstreamError = 7,
}
