namespace OrleansBreaker;

/// <summary>Kinds of entries in the append-only event log (BRIEF §7). Names are part of the REST contract.</summary>
public enum EventKind
{
    Sent = 0,
    Skipped = 1,
    Deferred = 2,
    Failed = 3,
    Accepted = 4,
    Replied = 5,
    BreakerTripped = 6,
    BreakerCleared = 7,
    SafetyModeTripped = 8,
    SafetyModeCleared = 9,
    Unknown = 10,
    AccountStatusChanged = 11,
    /// <summary>At most half of a campaign's pool can send one of its actions (BRIEF §11).</summary>
    PoolDegraded = 12,
    /// <summary>More than half of the pool can send that action again.</summary>
    PoolRecovered = 13,
    /// <summary>
    /// A send's idempotency key, taken right before LinkedIn is called (BRIEF §8: the intent, unique in the
    /// database). Its outcome (Sent, Failed, Unknown) replaces it; a send LinkedIn did not perform removes it.
    /// Never shown in the Activity tab; one left by a crash becomes Unknown and is never re-sent.
    /// </summary>
    Claimed = 14,
}

/// <summary>One entry of the event log. <see cref="Seq"/> is assigned by the log on append.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.EventRecord")]
public sealed record EventRecord
{
    [Id(0)] public long Seq { get; init; }
    [Id(1)] public required DateTimeOffset At { get; init; }
    [Id(2)] public required EventKind Kind { get; init; }
    [Id(3)] public required string WorkspaceId { get; init; }
    [Id(4)] public string? CampaignId { get; init; }
    [Id(5)] public string? AccountId { get; init; }
    [Id(6)] public string? ProspectId { get; init; }
    [Id(7)] public ActionType? Action { get; init; }
    [Id(8)] public Reason Reason { get; init; }
    [Id(9)] public string? Text { get; init; }
    [Id(10)] public DateTimeOffset? ResumeAt { get; init; }
    /// <summary>Idempotency key of the dispatch this event records, when it records one.</summary>
    [Id(11)] public string? Key { get; init; }
    /// <summary>Where an external event came from (e.g. <c>linkedin-sync</c>); null for our own.</summary>
    [Id(12)] public string? Source { get; init; }
}

/// <summary>A page of activity, newest first; <see cref="Next"/> continues it, null at the end.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.EventPage")]
public sealed record EventPage([property: Id(0)] IReadOnlyList<EventRecord> Items, [property: Id(1)] long? Next);
