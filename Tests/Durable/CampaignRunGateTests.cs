using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansBreaker.Campaigns;
using OrleansBreaker.Tests.Postgres;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// A silo lets only <c>Dispatch:MaxConcurrentRuns</c> campaign runs dispatch at once, on PostgreSQL as in
/// production: the other campaigns wait for a place without holding their grain, so they stay free for
/// the API, and nothing is lost or sent twice once the runs go on.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class CampaignRunGateTests : IAsyncLifetime
{
    private const int Limit = 2;
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("rungate");
        _cluster = await GatedCluster.StartAsync(connectionString, 1, "svc-" + Guid.NewGuid().ToString("N")[..8], dispatch: new Dictionary<string, string>
        {
            ["AutoDispatch"] = "true",
            ["MaxConcurrentRuns"] = Limit.ToString(),
            ["CampaignTick"] = "00:00:00.050",
            ["WakePollInterval"] = "00:00:00.100",
        });
    }

    public async Task DisposeAsync() => await DurableCluster.StopAsync(_cluster);

    private CampaignRunGate Gate => ((InProcessSiloHandle)_cluster.Silos[0]).SiloHost.Services.GetRequiredService<CampaignRunGate>();

    [Fact]
    public async Task AtMostTheLimitOfCampaignRunsDispatchAtOnce_TheWaitingCampaignsAnswerTheApi_AndEverythingIsSentOnceAfterwards()
    {
        const int campaigns = 6, prospects = 3;
        var accounts = Enumerable.Range(1, campaigns).Select(i => $"g{i}-" + Guid.NewGuid().ToString("N")[..6]).ToList();
        var grains = new List<ICampaignGrain>();
        foreach (var (accountId, i) in accounts.Select((a, i) => (a, i)))
        {
            // Every send is held at the gate: a run that starts one stays in progress until the test lets it go.
            UpstreamGate.Hold(accountId);
            await _cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, accountId))
                .ConfigureAsync(new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(500, 500) } });
            var campaign = _cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, $"c{i}"));
            await campaign.ConfigureAsync(new CampaignSettings { AccountId = accountId, Steps = [new StepDefinition(ActionType.Invite)] });
            await campaign.AddProspectsAsync([.. Enumerable.Range(1, prospects).Select(p => new ProspectInput($"c{i}-p{p}", null))]);
            grains.Add(campaign);
        }
        IReadOnlyList<GatedCall> Open() => [.. accounts.SelectMany(UpstreamGate.Calls).Where(c => !c.Finished)];

        // Two runs are held mid-send; the other four campaigns come round on their ticks and wait for a place.
        await GatedCluster.WaitForAsync(() => Open().Count >= Limit, $"{Limit} sends in flight");
        await GatedCluster.WaitForAsync(() => Gate.Waiting == campaigns - Limit, "the other campaigns waiting at the gate");
        // Give them time to come round again: none gets past the gate while both places are held.
        var waitedBefore = Gate.Waited;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(Limit, Open().Count);
        Assert.Equal(Limit, Gate.Running);
        Assert.Equal(campaigns - Limit, Gate.Waiting);
        Assert.Equal(waitedBefore, Gate.Waited); // waiting, not polling

        // A campaign waiting at the gate answers the API at once: it does not hold its grain while it waits.
        var busy = Open().Select(c => c.Request.AccountId).ToHashSet();
        var idle = accounts.FindIndex(a => !busy.Contains(a));
        var view = await grains[idle].ConfigureAsync(new CampaignSettings { AccountId = accounts[idle], Steps = [new StepDefinition(ActionType.Invite)] })
            .WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(prospects, view.Prospects);
        Assert.Equal(Limit, Open().Count);

        foreach (var accountId in accounts)
        {
            UpstreamGate.Release(accountId, forward: true);
        }
        await GatedCluster.WaitForAsync(() => accounts.All(a => DurableSiloConfigurator.LinkedIn.View(a).Delivered.GetValueOrDefault(ActionType.Invite) == prospects),
            "every prospect delivered", TimeSpan.FromSeconds(60));
        foreach (var campaign in grains)
        {
            Assert.Equal(prospects, (await campaign.GetViewAsync()).Counters.Sent);
        }
        // Turned away and tried again, yet each prospect reached LinkedIn once.
        Assert.All(accounts, a => Assert.Equal(prospects, UpstreamGate.Calls(a).Count));
        Assert.All(accounts, a => Assert.Equal(0, DurableSiloConfigurator.LinkedIn.View(a).DuplicateKeys));
        Assert.Equal(0, Gate.Running);
    }
}
