using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// What one benchmark cluster shares with the harness that drives it: the product clock, the
/// in-process LinkedIn and the instruments. TestingHost builds silos from configurator types, so
/// the silos find their world by an id passed through configuration.
/// </summary>
internal sealed class BenchWorld : IDisposable
{
    public const string ConfigKey = "Bench:World";

    private static readonly ConcurrentDictionary<string, BenchWorld> Worlds = new(StringComparer.Ordinal);

    public BenchWorld(TimeProvider clock, string? postgresConnectionString = null)
    {
        Clock = clock;
        ConnectionString = postgresConnectionString;
        LinkedIn = new SimulatedLinkedIn(clock);
        Upstream = new UpstreamMeter(clock);
        Worlds[Id] = this;
    }

    public string Id { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The product clock (keyed <c>BreakerServices.ClockKey</c>, also the reminders' clock).</summary>
    public TimeProvider Clock { get; }

    public FakeTimeProvider? Fake => Clock as FakeTimeProvider;

    /// <summary>Null: memory storage, reminders and event log (the embedded default). Else the PostgreSQL database.</summary>
    public string? ConnectionString { get; }

    public SimulatedLinkedIn LinkedIn { get; }

    /// <summary>Product configuration on top of the harness's own (e.g. <c>Dispatch:ResetSpread</c>).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>Profiling only: Orleans' reminder list refresh period.</summary>
    public TimeSpan? ReminderRefresh { get; set; }

    public EventLogMeter EventLog { get; } = new();

    public StorageMeter Storage { get; } = new();

    public UpstreamMeter Upstream { get; }

    public LogCounter Logs { get; } = new();

    public static BenchWorld Get(string? id) =>
        id is not null && Worlds.TryGetValue(id, out var world)
            ? world
            : throw new InvalidOperationException($"No benchmark world '{id}' in this process ({ConfigKey} is not set or the world was disposed).");

    public void Dispose() => Worlds.TryRemove(Id, out _);
}
