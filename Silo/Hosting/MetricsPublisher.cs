using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Silo.Hosting;

/// <summary>
/// Publishes this silo's product metrics (meter <see cref="BreakerMetrics.MeterName"/>) to the cluster:
/// a <see cref="MeterListener"/> keeps cumulative values per instrument and tag set, and every
/// <see cref="MetricsPublisherSettings.Interval"/> the whole snapshot goes to the <see cref="IMetricsGrain"/> keyed by this silo's
/// address, where the dashboard's <c>/metrics</c> reads it. Silos are separate processes, so each
/// publishes its own; a scrape sees every active silo through the cluster.
/// </summary>
internal sealed partial class MetricsPublisher(
    MetricsPublisherSettings settings,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IHostApplicationLifetime lifetime,
    ILogger<MetricsPublisher> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    // instrument -> tag set (sorted, joined) -> value. Cumulative since this process started.
    private readonly Dictionary<Instrument, Dictionary<string, Series>> _values = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BreakerMetrics.MeterName)
            {
                lock (_gate)
                {
                    _values.TryAdd(instrument, []);
                }
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        // Every instrument is listed from the start (with 0 where nothing happened yet), so a scrape
        // shows the whole family, not only what this silo has seen so far.
        _ = BreakerMetrics.DispatchOutcomes;
        listener.Start();

        if (!await lifetime.WaitAsync(stoppingToken))
        {
            return;
        }
        var key = silo.SiloAddress.ToParsableString();
        using var timer = new PeriodicTimer(settings.Interval);
        do
        {
            try
            {
                await grains.GetGrain<IMetricsGrain>(key).PublishAsync(Snapshot(key));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPublishFailed(key, ex);
            }
        }
        while (await Next(timer, stoppingToken));
    }

    private static async Task<bool> Next(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = new(tags[i].Key, tags[i].Value?.ToString() ?? "");
        }
        Array.Sort(pairs, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var id = string.Join('\u001f', pairs.Select(p => p.Key + "=" + p.Value));
        lock (_gate)
        {
            if (!_values.TryGetValue(instrument, out var series))
            {
                series = [];
                _values[instrument] = series;
            }
            if (!series.TryGetValue(id, out var current))
            {
                current = new Series(pairs);
                series[id] = current;
            }
            // Counters and up-down counters both report deltas: the sum is the cumulative value.
            current.Value += value;
        }
    }

    private MetricsSnapshot Snapshot(string address)
    {
        lock (_gate)
        {
            var instruments = _values
                .OrderBy(i => i.Key.Name, StringComparer.Ordinal)
                .Select(i => new InstrumentSnapshot(
                    i.Key.Name,
                    i.Key.Description,
                    i.Key is UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double> ? MetricKind.Gauge : MetricKind.Counter,
                    [.. i.Value.Values.Select(s => new SeriesSnapshot(s.Tags, s.Value))]))
                .ToList();
            return new MetricsSnapshot(silo.Name, address, DateTimeOffset.UtcNow, instruments);
        }
    }

    private sealed class Series(KeyValuePair<string, string>[] tags)
    {
        public KeyValuePair<string, string>[] Tags { get; } = tags;
        public double Value { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo}: could not publish its metrics snapshot; the next tick tries again")]
    private partial void LogPublishFailed(string silo, Exception ex);
}

/// <param name="Interval">How often the snapshot is pushed: a scrape is at most this stale.</param>
internal sealed record MetricsPublisherSettings(TimeSpan Interval);

public static class MetricsPublisherExtensions
{
    /// <summary>Default push interval: well under a usual 15-30 s Prometheus scrape interval.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>Publishes this silo's product metrics for the dashboard's <c>/metrics</c> (see <see cref="MetricsPublisher"/>).</summary>
    public static IServiceCollection AddMetricsPublisher(this IServiceCollection services, TimeSpan? interval = null)
    {
        services.AddSingleton(new MetricsPublisherSettings(interval ?? DefaultInterval));
        return services.AddHostedService<MetricsPublisher>();
    }
}
