using Orleans.Runtime;
using Orleans.TestingHost;
using OrleansBreaker.Tests.Postgres;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// The cluster's one outcome feed reader on two silos on PostgreSQL: the silo hosting it is killed, and
/// it comes back on the other by itself (every silo pings it), from its persisted cursor, counting nothing twice.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class OutcomeFeedFailoverTests : IAsyncLifetime
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _accountId = "f-" + Guid.NewGuid().ToString("N")[..8];
    private TestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("feedfailover");
        _cluster = await DurableCluster.StartAsync(connectionString, 2, "svc-" + Guid.NewGuid().ToString("N")[..8], dispatch: new Dictionary<string, string>
        {
            ["OutcomeFeedInterval"] = "00:00:00.200",
        });
    }

    public Task DisposeAsync() => DurableCluster.StopAsync(_cluster);

    [Fact]
    public async Task TheReaderResumesOnAnotherSilo_AfterItsSiloIsKilled_AndCountsEachAcceptOnce()
    {
        DurableSiloConfigurator.LinkedIn.Configure(_accountId, new SimulatedAccountSettings { AcceptRate = 1.0 });
        await Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, _accountId)).ConfigureAsync(new AccountSettings());
        var before = await CampaignAsync("before", 3);
        var after = await CampaignAsync("after", 3);

        // Nobody calls the reader in this test: the silos' pings started it, and must bring it back.
        await DurableCluster.RetryAsync(() => before.RunDueAsync());
        Assert.True(await AcceptedAsync(before, 3, TimeSpan.FromSeconds(60)), $"before the kill: {(await before.GetViewAsync()).Counters}");
        var host = await Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(Grains.GetGrain<IOutcomeFeedGrain>(OutcomeFeed.Key));
        Assert.NotNull(host);

        await _cluster.KillSiloAsync(_cluster.GetSiloForAddress(host!)!);
        await DurableCluster.RetryAsync(() => after.RunDueAsync());

        Assert.True(await AcceptedAsync(after, 3, TimeSpan.FromMinutes(2)), $"after the kill: {(await after.GetViewAsync()).Counters}");
        var newHost = await Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(Grains.GetGrain<IOutcomeFeedGrain>(OutcomeFeed.Key));
        Assert.NotNull(newHost);
        Assert.NotEqual(host, newHost);
        // Whatever the new activation read again from its persisted cursor, each accept counts once.
        Assert.Equal(3, (await before.GetViewAsync()).Counters.Accepted);
        Assert.Equal(3, (await after.GetViewAsync()).Counters.Accepted);
        Assert.Equal(3, (await after.GetActivityAsync(new ActivityQuery { Kind = EventKind.Accepted, Limit = 100 })).Items.Count);
    }

    private async Task<ICampaignGrain> CampaignAsync(string id, int prospects)
    {
        var campaign = Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, id));
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = _accountId, Steps = [new StepDefinition(ActionType.Invite)] });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, prospects).Select(i => new ProspectInput($"{id}-p{i}", null))]);
        return campaign;
    }

    private static Task<bool> AcceptedAsync(ICampaignGrain campaign, int accepted, TimeSpan within) =>
        DurableCluster.EventuallyAsync(async () => (await campaign.GetViewAsync()).Counters.Accepted == accepted, within);
}
