namespace OrleansBreaker.Campaigns;

/// <summary>A campaign as the prospect store keys it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.CampaignKey")]
public readonly record struct CampaignKey([property: Id(0)] string WorkspaceId, [property: Id(1)] string CampaignId);

/// <summary>
/// Which prospects <see cref="IProspectStore.ListAsync"/> returns; every field optional, all of them must hold.
/// Filters read stored fields as stored (a paused campaign's view mapping is the grain's business).
/// </summary>
public sealed record ProspectFilter
{
    public ProspectStatus? Status { get; init; }
    /// <summary>The prospect's reason is one of these (empty or null: any).</summary>
    public IReadOnlyCollection<Reason>? Reasons { get; init; }
    /// <summary>The prospect stands on one of these 0-based steps (null: any).</summary>
    public IReadOnlyCollection<int>? Steps { get; init; }
    /// <summary>True: only open prospects (those with a <see cref="ProspectRecord.WakeAt"/>); false: only closed ones.</summary>
    public bool? Open { get; init; }
    /// <summary>Only prospects bound to this account (<see cref="ProspectRecord.AccountId"/>).</summary>
    public string? AccountId { get; init; }
    /// <summary>True: only prospects bound to an account; false: only those not bound yet (null: either).</summary>
    public bool? Bound { get; init; }
}

/// <summary>How many of a campaign's prospects stand on a step with a status.</summary>
public readonly record struct StepStatusCount(int Step, ProspectStatus Status, int Count);

/// <summary>How many of a campaign's prospects are bound to <see cref="AccountId"/> (null: to none) with a status and reason.</summary>
public readonly record struct SeatReasonCount(string? AccountId, ProspectStatus Status, Reason Reason, int Count);

/// <summary>
/// Where campaigns keep their prospects: one row per prospect, written when that prospect changes, so
/// recording a send costs the same at 100 prospects as at 100,000 (issue 11), plus the campaigns' due
/// index (when each campaign must next be awake), so that an idle campaign needs no timer and no reminder.
/// <para>
/// Invariant the store relies on: a prospect is open (due now or later) exactly when it has a
/// <see cref="ProspectRecord.WakeAt"/>; Done, final Failed and Unknown prospects have none.
/// </para>
/// <para>
/// Writes are compare-and-set on <see cref="ProspectRecord.Version"/>: a changed record carries the
/// version it replaces plus one, and is written only over that version. Two activations of one campaign
/// (a brief duplicate during a membership change) can therefore never overwrite each other's prospects.
/// </para>
/// The memory implementation is the embedded default and the fast tests' store; PostgreSQL keeps
/// rows in <c>breaker_prospects</c> and the due index in <c>breaker_campaign_wakes</c>
/// (deploy/sql/003_prospects.sql). Both pass one contract suite.
/// </summary>
public interface IProspectStore
{
    /// <summary>
    /// Enrols prospects the campaign does not hold yet (by id; the first of repeated ids in one call wins)
    /// and returns the ids stored, in the order given. Existing prospects are left exactly as they are.
    /// </summary>
    Task<IReadOnlyList<string>> AddAsync(CampaignKey campaign, IReadOnlyList<ProspectRecord> prospects, CancellationToken cancellationToken = default);

    Task<ProspectRecord?> GetAsync(CampaignKey campaign, string prospectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Open prospects with <see cref="ProspectRecord.WakeAt"/> at or before <paramref name="now"/>, earliest first (ties by id), at most
    /// <paramref name="limit"/>; none bound to one of <paramref name="skipAccounts"/> (a pool's accounts that cannot send before
    /// later: their prospects stay due, unwritten, without keeping the others from being read).
    /// </summary>
    Task<IReadOnlyList<ProspectRecord>> ReadDueAsync(CampaignKey campaign, DateTimeOffset now, int limit, IReadOnlyCollection<string>? skipAccounts = null, CancellationToken cancellationToken = default);

    /// <summary>The earliest <see cref="ProspectRecord.WakeAt"/> of the campaign, or null when no prospect is open.</summary>
    Task<DateTimeOffset?> NextWakeAsync(CampaignKey campaign, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes changed prospects, all in one atomic step: each record over the stored version
    /// <c>record.Version - 1</c> only. Returns the ids that were not written (stored at another version, or
    /// not stored at all); the others are written whatever happened to those.
    /// </summary>
    Task<IReadOnlyList<string>> UpdateAsync(CampaignKey campaign, IReadOnlyList<ProspectRecord> changed, CancellationToken cancellationToken = default);

    /// <summary>A page of the campaign's prospects matching <paramref name="filter"/>, in ordinal id order, after <paramref name="after"/> (exclusive; null: from the first).</summary>
    Task<IReadOnlyList<ProspectRecord>> ListAsync(CampaignKey campaign, ProspectFilter filter, string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many prospects stand on each step with each status (only non-zero counts).</summary>
    Task<IReadOnlyList<StepStatusCount>> CountAsync(CampaignKey campaign, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many prospects each account holds with each status and reason (only non-zero counts): the pool's bound
    /// prospects per seat and why prospects wait, for the dashboard. Reads every prospect of the campaign.
    /// </summary>
    Task<IReadOnlyList<SeatReasonCount>> CountBySeatAsync(CampaignKey campaign, CancellationToken cancellationToken = default);

    /// <summary>Per step, the earliest <see cref="ProspectRecord.ResumeAt"/> of its Waiting prospects (steps without one are absent).</summary>
    Task<IReadOnlyDictionary<int, DateTimeOffset>> EarliestResumeAsync(CampaignKey campaign, int stepCount, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets when the campaign must next be awake and which silo keeps it awake meanwhile (null: nobody, the
    /// due index wakes it); <paramref name="wakeAt"/> null removes the campaign from the due index.
    /// </summary>
    Task ScheduleAsync(CampaignKey campaign, DateTimeOffset? wakeAt, string? owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="limit"/> campaigns due at or before <paramref name="dueBy"/> that no live silo keeps
    /// awake (owner null or not in <paramref name="liveOwners"/>), earliest first: each claimed entry moves to
    /// <paramref name="retryAt"/> with no owner, so a wake-up lost on the way is retried then, and concurrent claimers
    /// (one per silo) never claim the same entry twice. The woken campaign then schedules itself again.
    /// </summary>
    Task<IReadOnlyList<CampaignKey>> ClaimDueAsync(DateTimeOffset dueBy, DateTimeOffset retryAt, IReadOnlyCollection<string> liveOwners, int limit, CancellationToken cancellationToken = default);

    /// <summary>The campaign's entry in the due index, if any (for tests and the dashboard).</summary>
    Task<(DateTimeOffset WakeAt, string? Owner)?> GetScheduleAsync(CampaignKey campaign, CancellationToken cancellationToken = default);
}
