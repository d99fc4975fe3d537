using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// The embedded silo as it runs for users: campaigns dispatch on their own timers and accounts read the
/// provider's outcome feed, both fast. A short response timeout turns two grains waiting on each other
/// into failures a test can see in seconds instead of thirty.
/// </summary>
public sealed class AutoDispatchSiloConfigurator : ISiloConfigurator
{
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    public void Configure(ISiloBuilder siloBuilder)
    {
        siloBuilder.UseBreakerMemoryStorage();
        siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Upstream:Provider"] = "Simulated",
            ["Dispatch:AutoDispatch"] = "true",
            ["Dispatch:CampaignTick"] = "00:00:00.050",
            ["Dispatch:OutcomePollInterval"] = "00:00:00.050",
        }).Build();
        siloBuilder.Services.AddBreakerServices(configuration);
        siloBuilder.Services.AddKeyedSingleton<TimeProvider>(BreakerServices.ClockKey, TestWorld.Time);
        siloBuilder.Services.AddSingleton(TestWorld.LinkedIn);
        siloBuilder.Services.AddSingleton<ILinkedInUpstream>(TestWorld.LinkedIn);
        siloBuilder.Services.AddSingleton<IEventLog>(TestWorld.EventLog);
    }
}

/// <summary>One single-silo cluster with automatic dispatch, for the "AutoDispatch" collection.</summary>
public sealed class AutoDispatchFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<AutoDispatchSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AutoDispatchCollection : ICollectionFixture<AutoDispatchFixture>
{
    public const string Name = "AutoDispatch";
}
