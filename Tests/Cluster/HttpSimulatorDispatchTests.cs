using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using OrleansBreaker.Accounts;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Tests.Simulator;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// A silo configured as in production, <c>Upstream:Provider=Http</c> with <c>Upstream:BaseUrl</c>, sending
/// to the real simulator service over loopback HTTP (not the in-process simulated LinkedIn).
/// </summary>
public sealed class HttpSimulatorSiloConfigurator : ISiloConfigurator
{
    public const string BaseUrlKey = "BreakerTests:SimulatorUrl";

    public static FakeTimeProvider Time { get; } = new(SimulatorFixture.Start);

    public void Configure(ISiloBuilder siloBuilder)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dispatch:AutoDispatch"] = "false",
            ["Upstream:Provider"] = "Http",
            ["Upstream:BaseUrl"] = siloBuilder.Configuration[BaseUrlKey],
        }).Build();
        siloBuilder.UseBreaker(configuration, new BreakerOverrides { Clock = Time });
    }
}

/// <summary>The simulator service on a loopback port, and a one-silo cluster whose upstream is that service.</summary>
public sealed class HttpSimulatorClusterFixture : IAsyncLifetime
{
    public SimulatorFixture Simulator { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Simulator.InitializeAsync();
        var builder = new TestClusterBuilder(1);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [HttpSimulatorSiloConfigurator.BaseUrlKey] = Simulator.BaseAddress.ToString(),
        }));
        builder.AddSiloBuilderConfigurator<HttpSimulatorSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}

public sealed class HttpSimulatorDispatchTests(HttpSimulatorClusterFixture fixture) : IClassFixture<HttpSimulatorClusterFixture>
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _accountId = SimulatorFixture.NewAccountId();

    private IAccountGrain Account => fixture.Cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, _accountId));

    [Fact]
    public async Task OverHttp_ADeliveryIsCountedAtTheSimulator_AndNotEnoughCreditsTripsTheInMailBreaker()
    {
        var sim = fixture.Simulator;
        await sim.ConfigureAsync(_accountId, """{"inMailCredits":1}""");
        await Account.ConfigureAsync(new AccountSettings());
        var campaign = fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "inmail"));
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = _accountId, Steps = [new StepDefinition(ActionType.InMail)] });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, 3).Select(i => new ProspectInput($"lead-{i}", $"https://www.linkedin.com/in/lead-{i}"))]);

        await Scenario.DrainAsync(campaign);
        var invite = await Account.DispatchAsync(new DispatchCommand { CampaignId = "direct", ProspectId = "lead-9", Step = 0, Action = ActionType.Invite });

        // At the simulator: one InMail delivered, the refusal that tripped, nothing after; the invite went through.
        var account = await sim.AccountAsync(_accountId);
        Assert.Equal(2, SimulatorFixture.Count(account, "calls", "InMail"));
        Assert.Equal(1, SimulatorFixture.Count(account, "delivered", "InMail"));
        Assert.Equal(1, SimulatorFixture.Count(account, "delivered", "Invite"));
        Assert.Equal(DispatchStatus.Sent, invite.Status);

        // In the cluster: the HTTP answer (402 NOT_ENOUGH_CREDITS) was classified as credits exhausted.
        var breaker = (await Account.GetViewAsync()).Breakers[ActionType.InMail];
        Assert.Equal((BreakerState.Open, OutcomeClass.CreditsExhausted), (breaker.State, breaker.Reason));
        Assert.Equal(ResetCalendar.NextReset(HttpSimulatorSiloConfigurator.Time.GetUtcNow()), breaker.ResumeAt);
        Assert.Contains("NOT_ENOUGH_CREDITS", breaker.Evidence);
        var view = await campaign.GetViewAsync();
        Assert.Equal((1, 2), (view.Counters.Sent, view.Counters.Skipped));
        var waiting = (await campaign.GetProspectAsync("lead-3"))!;
        Assert.Equal((ProspectStatus.Waiting, Reason.InMailCreditsExhausted), (waiting.Status, waiting.Reason));
    }
}
