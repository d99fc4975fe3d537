namespace OrleansBreaker.Campaigns;

/// <summary>
/// The campaign grain's persisted state: its settings, counters and the writes in flight. Bounded
/// whatever the campaign's size: prospects live in the <see cref="IProspectStore"/>, one row each,
/// and history (activity) in the event log.
/// </summary>
[GenerateSerializer, Alias("OrleansBreaker.CampaignState")]
public sealed record CampaignState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string AccountId { get; set; } = "";
    [Id(2)] public List<StepDefinition> Steps { get; set; } = [];
    [Id(3)] public bool Active { get; set; }
    /// <summary>
    /// Where builds before the prospect store kept every prospect. Read once, moved to the store at the
    /// next activation and emptied; never written with prospects again.
    /// </summary>
    [Id(4)] public Dictionary<string, ProspectRecord> Prospects { get; set; } = new(StringComparer.Ordinal);
    [Id(5)] public CampaignCounters Counters { get; set; } = new(0, 0, 0, 0, 0);
    /// <summary>
    /// Events written with the state that produced them, then appended to the log; they stay here until the
    /// log has them (re-appending is harmless: each carries a key the log stores once).
    /// </summary>
    [Id(6)] public List<EventRecord> Outbox { get; set; } = [];
    /// <summary>
    /// The prospect changes counted in <see cref="Counters"/> (at most one batch), written here with the
    /// counters before they go to the prospect store: if the grain dies in between, the next activation
    /// writes them (compare-and-set, so a change already stored or overtaken is not written twice).
    /// Counters and prospects never part ways, so a delivery is counted once.
    /// </summary>
    [Id(7)] public List<ProspectRecord> Pending { get; set; } = [];
    /// <summary>
    /// The accounts the campaign sends from (BRIEF §11), in the order configured; empty in states written
    /// before pools, which send from <see cref="AccountId"/> alone. <see cref="AccountId"/> is always the first.
    /// </summary>
    [Id(8)] public List<string> Pool { get; set; } = [];
    /// <summary>
    /// Unbound prospects offered to a pool account by the run in flight, written before the offers go: if the
    /// campaign dies before it records what the account answered, its next run offers each of them to the
    /// same account again (which replays what it did), never to another seat. At most one batch.
    /// </summary>
    [Id(9)] public List<SeatOffer> Offers { get; set; } = [];
    /// <summary>The action types the pool was last reported degraded for (one activity event per change).</summary>
    [Id(10)] public HashSet<ActionType> Degraded { get; set; } = [];

    /// <summary>The pool, for states of every age.</summary>
    public IReadOnlyList<string> Accounts => Pool.Count > 0 ? Pool : AccountId.Length > 0 ? [AccountId] : [];
}

/// <summary>A prospect step offered to an account by a pool campaign's run in flight.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.SeatOffer")]
public sealed record SeatOffer([property: Id(0)] string ProspectId, [property: Id(1)] int Step, [property: Id(2)] string AccountId);

/// <summary>One prospect's position in the sequence. Immutable; <see cref="ProspectMachine"/> makes the next one.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.ProspectRecord")]
public sealed record ProspectRecord
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public string? ProfileUrl { get; init; }
    /// <summary>0-based index of the current step (the last step's index when done).</summary>
    [Id(2)] public int StepIndex { get; init; }
    [Id(3)] public ProspectStatus Status { get; init; }
    [Id(4)] public Reason Reason { get; init; }
    /// <summary>When the prospect can move again, as users see it (e.g. the reset instant).</summary>
    [Id(5)] public DateTimeOffset? ResumeAt { get; init; }
    /// <summary>When the campaign looks at it again; null = only on a notification.</summary>
    [Id(6)] public DateTimeOffset? WakeAt { get; init; }
    /// <summary>Transient failures of the current step, for the backoff.</summary>
    [Id(7)] public int Attempts { get; init; }
    /// <summary>The breaker trip this step was last skipped for: one skip event per prospect step per trip.</summary>
    [Id(8)] public DateTimeOffset? SkippedTrip { get; init; }
    [Id(9)] public int SkippedStep { get; init; } = -1;
    /// <summary>The prospect accepted an invite: counted once, however often LinkedIn or the API reports it.</summary>
    [Id(10)] public bool Accepted { get; init; }
    /// <summary>The prospect replied: counted once, likewise.</summary>
    [Id(11)] public bool Replied { get; init; }
    /// <summary>
    /// Bumped by one on every change: the prospect store writes a record only over the version before it
    /// (<see cref="IProspectStore.UpdateAsync"/>). 1 when enrolled.
    /// </summary>
    [Id(12)] public int Version { get; init; } = 1;
    /// <summary>The account that delivered the prospect's first action, which every later step goes from; null before.</summary>
    [Id(13)] public string? AccountId { get; init; }
}
