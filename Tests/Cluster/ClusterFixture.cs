using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using OrleansBreaker.Campaigns;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// The world a test cluster shares with its tests: one fake clock (registered under Orleans' reminder
/// key, so real reminders fire when the test advances it), one simulated LinkedIn and one event log.
/// Static because TestingHost builds silos from configurator types, not instances.
/// </summary>
public static class TestWorld
{
    /// <summary>A Tuesday late in November, well inside a month.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Time { get; } = new(Start);
    public static SimulatedLinkedIn LinkedIn { get; } = new(Time);
    public static FaultyEventLog EventLog { get; } = new(new InMemoryEventLog());
    public static FaultyProspectStore Prospects { get; } = new(new InMemoryProspectStore());
}

/// <summary>Silo set-up of the embedded default, with the test world's clock, upstream, event log and prospect store.</summary>
public sealed class EmbeddedSiloConfigurator : ISiloConfigurator
{
    public static BreakerOverrides World => new()
    {
        Clock = TestWorld.Time, LinkedIn = TestWorld.LinkedIn, EventLog = TestWorld.EventLog, Prospects = TestWorld.Prospects,
    };

    public void Configure(ISiloBuilder siloBuilder) => Build(siloBuilder, World);

    /// <summary>The embedded default as the tests run it (campaigns dispatched by the test), on <paramref name="world"/>'s parts.</summary>
    public static ISiloBuilder Build(ISiloBuilder siloBuilder, BreakerOverrides world, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var merged = new Dictionary<string, string?>
        {
            ["Dispatch:AutoDispatch"] = "false",
            ["Dispatch:OutcomeFeedInterval"] = "00:00:00.200",
            ["Upstream:Provider"] = "Simulated",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }
        return siloBuilder.UseBreaker(new ConfigurationBuilder().AddInMemoryCollection(merged).Build(), world);
    }
}

/// <summary>One single-silo cluster built by <typeparamref name="TConfigurator"/>, shared by a collection.</summary>
public abstract class SingleSiloFixture<TConfigurator> : IAsyncLifetime where TConfigurator : ISiloConfigurator, new()
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<TConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>One single-silo cluster for the whole "Cluster" collection.</summary>
public sealed class ClusterFixture : SingleSiloFixture<EmbeddedSiloConfigurator>;

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}
