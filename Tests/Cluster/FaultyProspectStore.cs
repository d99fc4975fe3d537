using OrleansBreaker.Campaigns;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>The test world's prospect store: the memory store, with writes a test can make fail.</summary>
public sealed class FaultyProspectStore(IProspectStore inner) : IProspectStore
{
    private readonly Dictionary<CampaignKey, int> _failUpdates = [];

    public IProspectStore Inner => inner;

    /// <summary>The next <paramref name="times"/> prospect writes of the campaign throw, as a database going away would.</summary>
    public void FailUpdates(CampaignKey campaign, int times)
    {
        lock (_failUpdates)
        {
            _failUpdates[campaign] = times;
        }
    }

    public Task<IReadOnlyList<string>> UpdateAsync(CampaignKey campaign, IReadOnlyList<ProspectRecord> changed, CancellationToken cancellationToken = default)
    {
        lock (_failUpdates)
        {
            if (_failUpdates.TryGetValue(campaign, out var left) && left > 0)
            {
                _failUpdates[campaign] = left - 1;
                throw new IOException($"test: prospect store refuses writes of {campaign.CampaignId}");
            }
        }
        return inner.UpdateAsync(campaign, changed, cancellationToken);
    }

    public Task<IReadOnlyList<string>> AddAsync(CampaignKey campaign, IReadOnlyList<ProspectRecord> prospects, CancellationToken cancellationToken = default) =>
        inner.AddAsync(campaign, prospects, cancellationToken);

    public Task<ProspectRecord?> GetAsync(CampaignKey campaign, string prospectId, CancellationToken cancellationToken = default) =>
        inner.GetAsync(campaign, prospectId, cancellationToken);

    public Task<IReadOnlyList<ProspectRecord>> ReadDueAsync(CampaignKey campaign, DateTimeOffset now, int limit, IReadOnlyCollection<string>? skipAccounts = null, CancellationToken cancellationToken = default) =>
        inner.ReadDueAsync(campaign, now, limit, skipAccounts, cancellationToken);

    public Task<DateTimeOffset?> NextWakeAsync(CampaignKey campaign, CancellationToken cancellationToken = default) =>
        inner.NextWakeAsync(campaign, cancellationToken);

    public Task<IReadOnlyList<ProspectRecord>> ListAsync(CampaignKey campaign, ProspectFilter filter, string? after, int limit, CancellationToken cancellationToken = default) =>
        inner.ListAsync(campaign, filter, after, limit, cancellationToken);

    public Task<IReadOnlyList<StepStatusCount>> CountAsync(CampaignKey campaign, CancellationToken cancellationToken = default) =>
        inner.CountAsync(campaign, cancellationToken);

    public Task<IReadOnlyList<SeatReasonCount>> CountBySeatAsync(CampaignKey campaign, CancellationToken cancellationToken = default) =>
        inner.CountBySeatAsync(campaign, cancellationToken);

    public Task<IReadOnlyDictionary<int, DateTimeOffset>> EarliestResumeAsync(CampaignKey campaign, int stepCount, CancellationToken cancellationToken = default) =>
        inner.EarliestResumeAsync(campaign, stepCount, cancellationToken);

    public Task ScheduleAsync(CampaignKey campaign, DateTimeOffset? wakeAt, string? owner, CancellationToken cancellationToken = default) =>
        inner.ScheduleAsync(campaign, wakeAt, owner, cancellationToken);

    public Task<IReadOnlyList<CampaignKey>> ClaimDueAsync(DateTimeOffset dueBy, DateTimeOffset retryAt, IReadOnlyCollection<string> liveOwners, int limit, CancellationToken cancellationToken = default) =>
        inner.ClaimDueAsync(dueBy, retryAt, liveOwners, limit, cancellationToken);

    public Task<(DateTimeOffset WakeAt, string? Owner)?> GetScheduleAsync(CampaignKey campaign, CancellationToken cancellationToken = default) =>
        inner.GetScheduleAsync(campaign, cancellationToken);
}
