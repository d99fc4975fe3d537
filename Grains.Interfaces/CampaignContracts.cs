namespace OrleansBreaker;

[GenerateSerializer, Immutable, Alias("OrleansBreaker.StepDefinition")]
public sealed record StepDefinition([property: Id(0)] ActionType Action, [property: Id(1)] int DelayMinutes = 0);

[GenerateSerializer, Immutable, Alias("OrleansBreaker.CampaignSettings")]
public sealed record CampaignSettings
{
    /// <summary>The one account the campaign sends from; or give <see cref="AccountIds"/> instead (a pool).</summary>
    [Id(0)] public string? AccountId { get; init; }
    [Id(1)] public required IReadOnlyList<StepDefinition> Steps { get; init; }
    [Id(2)] public bool Active { get; init; } = true;
    /// <summary>The pool the campaign sends from (BRIEF §11): 1 to <see cref="MaxPool"/> accounts of its workspace.</summary>
    [Id(3)] public IReadOnlyList<string>? AccountIds { get; init; }

    public const int MaxPool = 50;

    /// <summary>The accounts the campaign sends from, in the order given, each once.</summary>
    public IReadOnlyList<string> Pool =>
        AccountIds is { Count: > 0 } ids ? [.. ids.Distinct(StringComparer.Ordinal)] : AccountId is { Length: > 0 } id ? [id] : [];
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.ProspectInput")]
public sealed record ProspectInput([property: Id(0)] string Id, [property: Id(1)] string? ProfileUrl);

[GenerateSerializer, Immutable, Alias("OrleansBreaker.AddProspectsResult")]
public sealed record AddProspectsResult([property: Id(0)] int Added, [property: Id(1)] int Duplicates);

/// <summary>Where a prospect stands. Names are part of the REST contract.</summary>
public enum ProspectStatus
{
    Due = 0,
    Waiting = 1,
    Done = 2,
    Failed = 3,
    Unknown = 4,
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.ProspectView")]
public sealed record ProspectView
{
    [Id(0)] public required string Id { get; init; }
    /// <summary>1-based step number the prospect is on (or finished with, when Done).</summary>
    [Id(1)] public required int Step { get; init; }
    [Id(2)] public ActionType? Action { get; init; }
    [Id(3)] public required ProspectStatus Status { get; init; }
    [Id(4)] public Reason Reason { get; init; }
    [Id(5)] public DateTimeOffset? ResumeAt { get; init; }
    [Id(6)] public string? ProfileUrl { get; init; }
    [Id(7)] public int Attempts { get; init; }
    /// <summary>The account the prospect is bound to (the one that delivered its first action), or null before.</summary>
    [Id(8)] public string? AccountId { get; init; }
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.CampaignCounters")]
public sealed record CampaignCounters(
    [property: Id(0)] int Sent, [property: Id(1)] int Accepted, [property: Id(2)] int Replied,
    [property: Id(3)] int Skipped, [property: Id(4)] int Failed);

[GenerateSerializer, Immutable, Alias("OrleansBreaker.StepView")]
public sealed record StepView(
    [property: Id(0)] ActionType Action, [property: Id(1)] int DelayMinutes,
    [property: Id(2)] int Waiting, [property: Id(3)] DateTimeOffset? ResumeAt);

[GenerateSerializer, Immutable, Alias("OrleansBreaker.CampaignView")]
public sealed record CampaignView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string WorkspaceId { get; init; }
    [Id(2)] public string? AccountId { get; init; }
    [Id(3)] public bool Active { get; init; }
    [Id(4)] public required CampaignCounters Counters { get; init; }
    [Id(5)] public required IReadOnlyList<StepView> Steps { get; init; }
    [Id(6)] public DateTimeOffset? ResumeAt { get; init; }
    [Id(7)] public bool Exists { get; init; }
    [Id(8)] public int Prospects { get; init; }
    /// <summary>The accounts the campaign sends from (one entry for a single-account campaign).</summary>
    [Id(9)] public IReadOnlyList<string> AccountIds { get; init; } = [];
    /// <summary>Per action type of its steps, how many pool accounts can send it now (BRIEF §11).</summary>
    [Id(10)] public IReadOnlyDictionary<ActionType, PoolHealth> Pool { get; init; } = new Dictionary<ActionType, PoolHealth>();
    /// <summary>At most half the pool can send one of the campaign's actions (BRIEF §11).</summary>
    [Id(11)] public bool Degraded { get; init; }
}

/// <summary>
/// One action type across a campaign's pool: how many accounts can send it now, of how many, and the
/// earliest time another one can (null when all can, or when none will without a person acting).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.PoolHealth")]
public sealed record PoolHealth([property: Id(0)] int Available, [property: Id(1)] int Total, [property: Id(2)] DateTimeOffset? NextAt)
{
    /// <summary>At most half the pool can send: the pool is running dry.</summary>
    public bool Degraded => Total > 0 && Available * 2 <= Total;
}

/// <summary>One pool account as the campaign page shows it: how many of the campaign's prospects it holds.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.PoolSeatCount")]
public sealed record PoolSeatCount([property: Id(0)] string AccountId, [property: Id(1)] int Bound, [property: Id(2)] bool InPool);

[GenerateSerializer, Immutable, Alias("OrleansBreaker.ActivityQuery")]
public sealed record ActivityQuery
{
    [Id(0)] public EventKind? Kind { get; init; }
    [Id(1)] public Reason? Reason { get; init; }
    [Id(2)] public int Limit { get; init; } = 50;
    /// <summary>Continue below this sequence number (exclusive); null starts at the newest.</summary>
    [Id(3)] public long? Before { get; init; }
}

/// <summary>A page of a campaign's prospects (API.md §3), in prospect id order; every filter optional.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.ProspectQuery")]
public sealed record ProspectQuery
{
    [Id(0)] public ProspectStatus? Status { get; init; }
    [Id(1)] public Reason? Reason { get; init; }
    /// <summary>Only the prospects of this account (the campaign's own account; pools come with BRIEF §11).</summary>
    [Id(2)] public string? AccountId { get; init; }
    [Id(3)] public int Limit { get; init; } = 50;
    /// <summary>Continue after this prospect id (exclusive, ordinal order); null starts at the first.</summary>
    [Id(4)] public string? After { get; init; }
}

/// <summary>A page of prospects; <see cref="Next"/> continues it, null at the end.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.ProspectPage")]
public sealed record ProspectPage([property: Id(0)] IReadOnlyList<ProspectView> Items, [property: Id(1)] string? Next);

/// <summary>
/// The campaign's storage (the prospect store) could not be reached: nothing is sent until it returns, and
/// what a prospect waits on cannot be read meanwhile. The API answers <c>503</c> with this message.
/// </summary>
[GenerateSerializer, Alias("OrleansBreaker.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>A prospect's accept or reply, as the outcome feed reader hands it to the campaign.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.ProspectOutcomeReport")]
public sealed record ProspectOutcomeReport([property: Id(0)] string ProspectId, [property: Id(1)] EventKind Kind, [property: Id(2)] DateTimeOffset At);
