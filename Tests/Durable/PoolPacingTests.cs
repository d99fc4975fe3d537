using Orleans.TestingHost;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// A pool shares its seats with campaigns welded to them, all paced: the pool gets its turns. When every seat
/// it asked was between two sends, it comes back when the first can send again, as a single account's
/// campaign does; a pool that came back a tick late found the seats always just taken by the others.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class PoolPacingTests : IAsyncLifetime
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _cluster = await DurableCluster.StartPacedAsync(await server.CreateDatabaseAsync("poolpacing"), 1, campaignTick: "00:00:01");
    }

    public Task DisposeAsync() => DurableCluster.StopAsync(_cluster);

    [Fact]
    public async Task APoolSharingPacedSeatsWithSingleAccountCampaigns_GetsItsTurns()
    {
        var grains = _cluster.GrainFactory;
        var seats = new[] { "pa-", "pb-" }.Select(s => s + Guid.NewGuid().ToString("N")[..6]).ToArray();
        async Task<ICampaignGrain> CampaignAsync(string id, CampaignSettings settings)
        {
            var campaign = grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, id));
            await campaign.ConfigureAsync(settings);
            await campaign.AddProspectsAsync([.. Enumerable.Range(1, 100).Select(n => new ProspectInput($"p{n}", null))]);
            return campaign;
        }
        var steps = new[] { new StepDefinition(ActionType.ViewProfile) };
        var singles = new List<ICampaignGrain>();
        foreach (var seat in seats)
        {
            DurableSiloConfigurator.LinkedIn.Configure(seat, new SimulatedAccountSettings());
            await grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, seat)).ConfigureAsync(new AccountSettings());
            singles.Add(await CampaignAsync("single-" + seat, new CampaignSettings { AccountId = seat, Steps = steps }));
        }
        var pool = await CampaignAsync("pool", new CampaignSettings { AccountIds = seats, Steps = steps });

        // Product time moves with real time, so each seat lets one send through every 2 s.
        await using (DurableCluster.RealTime())
        {
            // Each seat serves two campaigns (its own and the pool), so a fair share for the pool is about half.
            async Task<(int Pool, int Singles)> SentAsync() =>
                ((await pool.GetViewAsync()).Counters.Sent, (await Task.WhenAll(singles.Select(c => c.GetViewAsync()))).Sum(v => v.Counters.Sent));
            Assert.True(await DurableCluster.EventuallyAsync(async () => (await SentAsync()) is var s && s.Pool + s.Singles >= 20, TimeSpan.FromSeconds(90)),
                "the seats should send one every 2 s between them");
            var (poolSent, singlesSent) = await SentAsync();
            Assert.True(poolSent * 4 >= poolSent + singlesSent, $"the pool sent {poolSent} while the single-account campaigns on its seats sent {singlesSent}");
            Assert.True(singlesSent * 4 >= poolSent + singlesSent, $"the single-account campaigns sent {singlesSent} while the pool sent {poolSent}");
        }
        foreach (var seat in seats)
        {
            Assert.Equal(0, DurableSiloConfigurator.LinkedIn.View(seat).DuplicateKeys);
        }
    }
}
