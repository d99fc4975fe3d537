namespace OrleansBreaker;

/// <summary>
/// One action to perform on one account for one prospect step. The idempotency key is
/// (campaign, prospect, step): the same key never reaches LinkedIn twice.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.DispatchCommand")]
public sealed record DispatchCommand
{
    [Id(0)] public required string CampaignId { get; init; }
    [Id(1)] public required string ProspectId { get; init; }
    [Id(2)] public required int Step { get; init; }
    [Id(3)] public required ActionType Action { get; init; }
    [Id(4)] public string? ProfileUrl { get; init; }

    public string Key => IdempotencyKey.Of(CampaignId, ProspectId, Step);
}

public static class IdempotencyKey
{
    public static string Of(string campaignId, string prospectId, int step) => $"{campaignId}/{prospectId}/{step}";
}

/// <summary>What happened to a dispatch, from the campaign's point of view.</summary>
public enum DispatchStatus
{
    /// <summary>LinkedIn accepted it.</summary>
    Sent = 0,
    /// <summary>An open breaker refused it before any upstream call; wait until <c>ResumeAt</c> or the clear.</summary>
    Skipped = 1,
    /// <summary>Cap, pacing or working hours: try again at <c>ResumeAt</c>. Not an error.</summary>
    Deferred = 2,
    /// <summary>Account disconnected/restricted, safety mode or storage down: nothing sent, wait.</summary>
    Blocked = 3,
    /// <summary>Transient upstream trouble that certainly did not deliver; retry with backoff.</summary>
    Retry = 4,
    /// <summary>The prospect cannot receive this action; the step failed.</summary>
    Failed = 5,
    /// <summary>The send may have happened; never re-sent automatically.</summary>
    Unknown = 6,
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.DispatchResult")]
public sealed record DispatchResult
{
    [Id(0)] public required DispatchStatus Status { get; init; }
    [Id(1)] public Reason Reason { get; init; }
    [Id(2)] public DateTimeOffset? ResumeAt { get; init; }
    /// <summary>The upstream class, when the upstream was called.</summary>
    [Id(3)] public OutcomeClass? Outcome { get; init; }
    /// <summary>Identifies the breaker trip a skip belongs to (its trip instant), so one trip yields one skip event per step.</summary>
    [Id(4)] public DateTimeOffset? TripId { get; init; }
    /// <summary>True when the result was recorded earlier for the same key and nothing was sent now.</summary>
    [Id(5)] public bool Replayed { get; init; }
    [Id(6)] public DateTimeOffset At { get; init; }
    /// <summary>On a send: when the account can send its next action (its pacing), so a pool offers it nothing before.</summary>
    [Id(7)] public DateTimeOffset? NextSendAt { get; init; }
}
