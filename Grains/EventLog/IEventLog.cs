namespace OrleansBreaker.EventLog;

/// <summary>
/// The append-only log of campaign and account events (BRIEF §7). History lives here, not in
/// grain state. Its readers: the campaign Activity tab, the hourly success re-check, the cap
/// counters, and the recovery of intents a crash left unresolved.
/// </summary>
public interface IEventLog
{
    /// <summary>
    /// Appends events atomically (all or none) and returns them, in the order given, as stored, with
    /// their sequence numbers. Idempotent for outcomes: an event with an account and a
    /// <see cref="EventRecord.Key"/> that the log already holds for that account (or that an earlier
    /// event of the same batch carries) stores nothing new and comes back as the event stored first,
    /// with its sequence number. So an outcome appended again after a lost acknowledgement, e.g. from
    /// an outbox, is stored and counted once. The one exception is a <see cref="EventKind.Claimed"/> key
    /// (<see cref="ClaimAsync"/>): an event with that key resolves the claim, taking its place.
    /// </summary>
    Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default);

    /// <summary>A campaign's events newest first, optionally filtered by kind and reason, paged by sequence number.</summary>
    Task<EventPage> ReadCampaignAsync(string workspaceId, string campaignId, ActivityQuery query, CancellationToken cancellationToken = default);

    /// <summary>The earliest <see cref="EventKind.Sent"/> of <paramref name="action"/> on the account at or after <paramref name="since"/>, if any.</summary>
    Task<EventRecord?> FindSuccessSinceAsync(string workspaceId, string accountId, ActionType action, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Every delivered action (<see cref="EventKind.Sent"/>) on the account at or after <paramref name="since"/>: the source of cap counters.</summary>
    Task<IReadOnlyList<DeliveredAction>> ReadDeliveredSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>The account's breaker trips and clears at or after <paramref name="since"/>, oldest first: the marks of its history chart.</summary>
    Task<IReadOnlyList<BreakerMark>> ReadBreakerMarksSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>
    /// The campaign's deliveries (<see cref="EventKind.Sent"/>) at or after <paramref name="since"/>, counted per UTC
    /// day and account (only non-zero counts): the pool's chart. Reads the campaign's events of the window.
    /// </summary>
    Task<IReadOnlyList<DaySentCount>> CountCampaignSentAsync(string workspaceId, string campaignId, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>
    /// The event stored with this key on the account, if any: a key is stored once per account (see
    /// <see cref="AppendAsync"/>). The account grain keys a dispatch's final outcome (Sent, Failed, Unknown)
    /// with its idempotency key, and events posted from outside with a key of their own; campaigns key their
    /// skips and prospect outcomes with keys of another shape (campaign/prospect/step/skip/..., campaign/prospect/kind),
    /// so no two kinds of event share a key.
    /// </summary>
    Task<EventRecord?> FindByKeyAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The newest <see cref="EventKind.Sent"/> of a campaign to this prospect from the account, if any: where an
    /// accept or reply reported without its campaign belongs.
    /// </summary>
    Task<EventRecord?> FindLatestSentToProspectAsync(string workspaceId, string accountId, string prospectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a send's idempotency key right before LinkedIn is called (BRIEF §8: the intent, unique in the
    /// database): stores <paramref name="claim"/> (kind <see cref="EventKind.Claimed"/>, with an account and a
    /// key) unless the account's log already holds the key. Returns null when the key is now this send's;
    /// otherwise the row that holds it: an outcome, or another send's claim (in flight, or left by a crash).
    /// One row on PostgreSQL: the replay lookup, the duplicate guard and the intent write at once.
    /// </summary>
    Task<EventRecord?> ClaimAsync(EventRecord claim, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives a claimed key back: LinkedIn did not perform the send (rate limited, refused by a trip, the
    /// account disconnected), so the key may go out later. A key that holds an outcome stays as it is.
    /// </summary>
    Task ReleaseAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default);

    /// <summary>The account's claims no outcome has resolved yet, oldest first: at activation, sends a crash interrupted.</summary>
    Task<IReadOnlyList<EventRecord>> ReadClaimsAsync(string workspaceId, string accountId, CancellationToken cancellationToken = default);
}

/// <summary>How many deliveries a campaign made from one account on one UTC day.</summary>
public readonly record struct DaySentCount(DateOnly Day, string AccountId, int Count);

/// <summary>One delivered action, as the cap counters need it.</summary>
public readonly record struct DeliveredAction(ActionType Action, DateTimeOffset At);
