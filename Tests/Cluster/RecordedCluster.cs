using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// A world of its own for tests that move the clock by weeks or read workspace-level events: its own
/// fake clock (the Cluster collection's is advanced by other tests), its own simulated LinkedIn, and an
/// event log that also keeps every appended event in order (the in-memory log indexes events by
/// campaign and account only, so a workspace's safety-mode events are not readable through it).
/// </summary>
public static class RecordedWorld
{
    /// <summary>A Tuesday late in November, 10:00 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Time { get; } = new(Start);
    public static SimulatedLinkedIn LinkedIn { get; } = new(Time);
    public static RecordingEventLog EventLog { get; } = new();
}

/// <summary>The in-memory event log, plus the list of everything appended to it.</summary>
public sealed class RecordingEventLog() : DelegatingEventLog(new InMemoryEventLog())
{
    private readonly Lock _gate = new();
    private readonly List<EventRecord> _all = [];

    public IReadOnlyList<EventRecord> Where(Func<EventRecord, bool> predicate)
    {
        lock (_gate)
        {
            return [.. _all.Where(predicate)];
        }
    }

    public override async Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default)
    {
        var stored = await base.AppendAsync(events, cancellationToken);
        lock (_gate)
        {
            _all.AddRange(stored);
        }
        return stored;
    }
}

/// <summary>The embedded silo of <see cref="EmbeddedSiloConfigurator"/>, on <see cref="RecordedWorld"/>.</summary>
public sealed class RecordedSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        EmbeddedSiloConfigurator.Build(siloBuilder, new BreakerOverrides
        {
            Clock = RecordedWorld.Time, LinkedIn = RecordedWorld.LinkedIn, EventLog = RecordedWorld.EventLog, Prospects = TestWorld.Prospects,
        });
    }
}

/// <summary>One single-silo cluster on <see cref="RecordedWorld"/> for the "Recorded" collection.</summary>
public sealed class RecordedClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        // TCP, not TestingHost's in-memory transport: a test may join the dashboard app to this cluster.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.AddSiloBuilderConfigurator<RecordedSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    private Client.DashboardHost? _dashboard;

    /// <summary>The dashboard app (REST API) joined to this cluster, on <see cref="RecordedWorld.Time"/>; started on first use.</summary>
    public async Task<Client.DashboardHost> DashboardAsync() => _dashboard ??= await Client.DashboardHost.StartAsync(Cluster, RecordedWorld.Time);

    public async Task DisposeAsync()
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>Advances the clock in steps so that every timer and reminder due on the way fires.</summary>
    public static async Task AdvanceAsync(TimeSpan by, TimeSpan step)
    {
        var end = RecordedWorld.Time.GetUtcNow() + by;
        while (RecordedWorld.Time.GetUtcNow() < end)
        {
            var next = RecordedWorld.Time.GetUtcNow() + step;
            RecordedWorld.Time.SetUtcNow(next < end ? next : end);
            await Task.Delay(20);
        }
        await Task.Delay(200);
    }

    /// <summary>Advances the clock to <paramref name="instant"/> (no-op if already past it).</summary>
    public static Task AdvanceToAsync(DateTimeOffset instant, TimeSpan step) =>
        instant > RecordedWorld.Time.GetUtcNow() ? AdvanceAsync(instant - RecordedWorld.Time.GetUtcNow(), step) : Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class RecordedClusterCollection : ICollectionFixture<RecordedClusterFixture>
{
    /// <summary>These tests move one shared clock by days and weeks: they run one at a time.</summary>
    public const string Name = "Recorded";
}
