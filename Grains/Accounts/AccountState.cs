namespace OrleansBreaker.Accounts;

/// <summary>
/// The account grain's persisted state. Bounded: intents are kept while pending or unknown, plus the
/// few latest final ones (the event log is the durable record); the outbox holds events the log
/// could not take yet.
/// </summary>
[GenerateSerializer, Alias("OrleansBreaker.AccountState")]
public sealed record AccountState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string TimeZone { get; set; } = "UTC";
    [Id(2)] public Dictionary<ActionType, CapLimits> Limits { get; set; } = [];
    [Id(3)] public int ResetDay { get; set; } = 1;
    [Id(4)] public AccountStatus Status { get; set; }
    [Id(5)] public Dictionary<ActionType, BreakerRecord> Breakers { get; set; } = [];
    [Id(6)] public Dictionary<string, IntentRecord> Intents { get; set; } = [];
    /// <summary>Campaigns with prospects waiting on an open breaker, told when it clears.</summary>
    [Id(7)] public Dictionary<ActionType, HashSet<string>> WaitingCampaigns { get; set; } = [];
    [Id(8)] public List<EventRecord> Outbox { get; set; } = [];
    /// <summary>The account's own working hours; null uses the silo default.</summary>
    [Id(9)] public WorkingHours? WorkingHours { get; set; }
    // [Id(10)] was the account's own outcome feed cursor; the feed is now read once for the cluster
    // (OutcomeFeedGrain). Rows written with it still read: the serializer skips the field. Never reuse 10.
    /// <summary>When the account was created here; no event from before it is taken. Null for accounts older than the field.</summary>
    [Id(11)] public DateTimeOffset? CreatedAt { get; set; }
    /// <summary>The account's warm-up (BRIEF §12), kept after its last day until ended or replaced; null: none.</summary>
    [Id(12)] public WarmUp? WarmUp { get; set; }

    public BreakerRecord Breaker(ActionType action) => Breakers.GetValueOrDefault(action) ?? BreakerRecord.Closed;

    public CapLimits LimitsFor(ActionType action) => Limits.GetValueOrDefault(action) ?? CapWindows.Defaults[action];
}

public enum IntentStatus
{
    /// <summary>Persisted before the upstream call; found after a crash, it means the outcome is unknown.</summary>
    Pending = 0,
    Sent = 1,
    Failed = 2,
    Unknown = 3,
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.IntentRecord")]
public sealed record IntentRecord(
    [property: Id(0)] string Key,
    [property: Id(1)] ActionType Action,
    [property: Id(2)] string CampaignId,
    [property: Id(3)] string ProspectId,
    [property: Id(4)] IntentStatus Status,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] Reason Reason = Reason.None);
