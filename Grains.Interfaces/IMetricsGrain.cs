namespace OrleansBreaker;

/// <summary>
/// The latest snapshot of one silo's product metrics (meter <c>OrleansBreaker</c>), keyed by the silo's
/// address. Each silo pushes its own every few seconds; the dashboard's <c>/metrics</c> reads one per
/// active silo. Held in memory only: a lost snapshot is replaced by the next push.
/// </summary>
[Alias("OrleansBreaker.IMetricsGrain")]
public interface IMetricsGrain : IGrainWithStringKey
{
    [Alias("Publish")]
    Task PublishAsync(MetricsSnapshot snapshot);

    /// <summary>The last snapshot pushed, or null when none arrived since the grain activated.</summary>
    [Alias("GetSnapshot")]
    Task<MetricsSnapshot?> GetSnapshotAsync();
}

/// <summary>How an instrument's values add up: counters only grow; gauges are the current value.</summary>
public enum MetricKind
{
    Counter = 0,
    Gauge = 1,
}

/// <summary>Every instrument of one silo's meter with its cumulative values since the silo started.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.MetricsSnapshot")]
public sealed record MetricsSnapshot(
    [property: Id(0)] string Silo,
    [property: Id(1)] string SiloAddress,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] IReadOnlyList<InstrumentSnapshot> Instruments);

/// <summary>One instrument (e.g. <c>breaker.trips</c>) and its series, one per distinct tag set.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.InstrumentSnapshot")]
public sealed record InstrumentSnapshot(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Description,
    [property: Id(2)] MetricKind Kind,
    [property: Id(3)] IReadOnlyList<SeriesSnapshot> Series);

/// <summary>One tag set's value; tags are sorted by name.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.SeriesSnapshot")]
public sealed record SeriesSnapshot(
    [property: Id(0)] IReadOnlyList<KeyValuePair<string, string>> Tags,
    [property: Id(1)] double Value);
