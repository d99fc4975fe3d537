using System.Globalization;
using System.Text;
using Orleans.Runtime;

namespace OrleansBreaker.Client.Metrics;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format: every active silo's last snapshot of meter
/// <c>OrleansBreaker</c> (pushed by the silo's MetricsPublisher into its <see cref="IMetricsGrain"/>), each
/// series labelled with its <c>silo</c>. Instrument <c>breaker.trips</c> becomes <c>breaker_trips_total</c>.
/// </summary>
public static class PrometheusMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
    private static readonly TimeSpan SiloTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapPrometheusMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (IClusterClient cluster, HttpContext context) =>
        {
            var hosts = await cluster.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
            var snapshots = await Task.WhenAll(hosts.Select(async host =>
            {
                try
                {
                    return await cluster.GetGrain<IMetricsGrain>(host.SiloAddress.ToParsableString()).GetSnapshotAsync().WaitAsync(SiloTimeout);
                }
                catch (Exception ex) when (Hosting.ClusterErrors.IsUnavailable(ex))
                {
                    return null; // that silo is missing from this scrape; the others are still worth having
                }
            }));
            var text = Render(hosts.Length, [.. snapshots.OfType<MetricsSnapshot>()], DateTimeOffset.UtcNow);
            return Results.Text(text, ContentType);
        });
        return app;
    }

    public static string Render(int activeSilos, IReadOnlyList<MetricsSnapshot> snapshots, DateTimeOffset now)
    {
        var text = new StringBuilder();
        Family(text, "breaker_cluster_silos", "Active silos in the cluster", "gauge");
        text.Append("breaker_cluster_silos ").Append(Number(activeSilos)).Append('\n');
        Family(text, "breaker_metrics_snapshot_age_seconds", "Seconds since each silo last published its metrics", "gauge");
        foreach (var s in snapshots)
        {
            text.Append("breaker_metrics_snapshot_age_seconds").Append(Labels(s, [])).Append(' ')
                .Append(Number(Math.Max(0, (now - s.At).TotalSeconds))).Append('\n');
        }

        var families = snapshots
            .SelectMany(s => s.Instruments.Select(i => (Snapshot: s, Instrument: i)))
            .GroupBy(x => x.Instrument.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var family in families)
        {
            var first = family.First().Instrument;
            var name = MetricName(first.Name, first.Kind);
            Family(text, name, first.Description ?? first.Name, first.Kind == MetricKind.Counter ? "counter" : "gauge");
            foreach (var (snapshot, instrument) in family)
            {
                if (instrument.Series.Count == 0)
                {
                    // Nothing happened on this silo yet: an explicit 0, so the series exists from the start.
                    text.Append(name).Append(Labels(snapshot, [])).Append(" 0\n");
                }
                foreach (var series in instrument.Series)
                {
                    text.Append(name).Append(Labels(snapshot, series.Tags)).Append(' ').Append(Number(series.Value)).Append('\n');
                }
            }
        }
        return text.ToString();
    }

    /// <summary><c>breaker.dispatch.outcomes</c> -> <c>breaker_dispatch_outcomes_total</c> (counters) or as is (gauges).</summary>
    public static string MetricName(string instrument, MetricKind kind)
    {
        var name = new string([.. instrument.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        return kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    private static void Family(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static string Labels(MetricsSnapshot snapshot, IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        var labels = new StringBuilder("{silo=\"").Append(Escape(snapshot.Silo)).Append("\",silo_address=\"").Append(Escape(snapshot.SiloAddress)).Append('"');
        foreach (var (key, value) in tags)
        {
            labels.Append(',').Append(new string([.. key.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')])).Append("=\"").Append(Escape(value)).Append('"');
        }
        return labels.Append('}').ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
