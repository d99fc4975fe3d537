using OrleansBreaker.Tests.Simulator;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// Accepts and replies reach campaigns from the provider's one feed, read once for the whole cluster,
/// over real HTTP: no account reads a feed of its own (at 100,000 accounts that was ~3,300 provider calls/s).
/// </summary>
public sealed class HttpOutcomeFeedDispatchTests(HttpSimulatorClusterFixture fixture) : IClassFixture<HttpSimulatorClusterFixture>
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _accountId = SimulatorFixture.NewAccountId();

    [Fact]
    public async Task AcceptsAndReplies_ReachTheCampaignCounters_FromTheProviderWideFeed_WithNoPerAccountFeedRead()
    {
        var sim = fixture.Simulator;
        var grains = fixture.Cluster.GrainFactory;
        await sim.ConfigureAsync(_accountId, """{"acceptRate":1,"replyRate":1}""");
        await grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, _accountId)).ConfigureAsync(new AccountSettings());
        var campaign = grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "seq"));
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = _accountId, Steps = [new StepDefinition(ActionType.Invite), new StepDefinition(ActionType.Message)] });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, 3).Select(i => new ProspectInput($"p{i}", $"https://www.linkedin.com/in/p{i}"))]);

        await Scenario.DrainAsync(campaign);

        Assert.True(await Scenario.EventuallyAsync(async () =>
        {
            var c = (await campaign.GetViewAsync()).Counters;
            return c.Accepted == 3 && c.Replied == 3;
        }, TimeSpan.FromSeconds(90)), $"counters: {(await campaign.GetViewAsync()).Counters}");
        var stats = await sim.FeedStatsAsync();
        Assert.True(stats.GetProperty("feedReads").GetInt64() > 0, "the provider-wide feed was read");
        Assert.Equal(0, stats.GetProperty("accountFeedReads").GetInt64());
    }
}
