using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace OrleansBreaker.Campaigns;

/// <summary>
/// One per silo: every <see cref="DispatchOptions.WakePollInterval"/> it claims, from the prospect
/// store's due index, the campaigns with work due that no live silo keeps awake, and wakes each. That is
/// the whole cost of idle campaigns: one indexed read per silo per interval, whatever their number
/// (issue 11: 10,000 keep-alive reminders and 10,000 timer ticks a second before). A claim moves the
/// entry a minute on, so a wake lost with a dying silo is retried; concurrent silos never claim the
/// same campaign (<see cref="IProspectStore.ClaimDueAsync"/>).
/// </summary>
internal sealed partial class CampaignWakeService(
    IProspectStore store,
    IGrainFactory grains,
    IClusterMembershipService membership,
    [FromKeyedServices(BreakerServices.ClockKey)] TimeProvider time,
    IOptions<DispatchOptions> options,
    ILogger<CampaignWakeService> logger) : BackgroundService
{
    /// <summary>A claimed campaign that did not take over its entry is claimed again after this long.</summary>
    internal static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);
    private const int ClaimBatch = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.AutoDispatch)
        {
            return;
        }
        var every = options.Value.WakePollInterval;
        using var ticks = new PeriodicTimer(every);
        while (await ticks.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await WakeDueAsync(every, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(ex);
            }
        }
    }

    /// <summary>Wakes every campaign due before the next poll; returns how many.</summary>
    internal async Task<int> WakeDueAsync(TimeSpan lookahead, CancellationToken cancellationToken)
    {
        var woken = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var live = membership.CurrentSnapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active)
                .Select(m => m.SiloAddress.ToParsableString())
                .ToHashSet(StringComparer.Ordinal);
            var now = time.GetUtcNow();
            var due = await store.ClaimDueAsync(now + lookahead, now + RetryAfter, live, ClaimBatch, cancellationToken);
            // All at once, each on its own: a wake that fails or hangs (a call that still reaches the dead silo
            // before the directory lets it go) costs only its own campaign a retry, not the rest of the batch.
            await Task.WhenAll(due.Select(campaign => WakeOneAsync(campaign.WorkspaceId, campaign.CampaignId)));
            woken += due.Count;
            if (due.Count < ClaimBatch)
            {
                break;
            }
        }
        if (woken > 0)
        {
            LogWoke(woken);
        }
        return woken;
    }

    private async Task WakeOneAsync(string workspaceId, string campaignId)
    {
        try
        {
            await grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(workspaceId, campaignId)).WakeAsync();
        }
        catch (Exception ex)
        {
            // Its entry was moved RetryAfter on by the claim: a later poll wakes it again.
            LogWakeFailed(workspaceId, campaignId, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake campaign {Workspace}/{Campaign}; a poll after a minute tries again")]
    private partial void LogWakeFailed(string workspace, string campaign, Exception ex);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Woke {Count} campaigns from the due index")]
    private partial void LogWoke(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the campaigns' due index failed; trying again at the next poll")]
    private partial void LogPollFailed(Exception ex);
}
