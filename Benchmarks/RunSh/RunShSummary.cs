using System.Globalization;
using System.Text;
using OrleansBreaker.Benchmarks.Cluster;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// The Markdown summary of a runsh run: figure 5's rows against their targets (issue 11; targets of the
/// benchmark, never test assertions), then the setup, the ramp, where the CPU went, and the logs.
/// </summary>
public sealed record RunShSummary(RunShResult Result, IReadOnlyList<Figure> Figures, string Markdown)
{
    public const double TargetRatio = 0.5;
    public const double TargetP50Ms = 100;

    public static readonly IReadOnlyList<(string Id, string Title)> Rows =
    [
        ("5", "Deliveries/s at the simulator, ./run.sh --postgres"),
        ("5a", "API writes during full dispatch (p50)"),
        ("5b", "PostgreSQL connection refusals (53300) in the logs"),
        ("5c", "Duplicate idempotency keys at the simulator"),
    ];

    public static RunShSummary From(RunShResult r)
    {
        var o = r.Options;
        var figures = new List<Figure>();
        var rate = r.DeliveriesPerSecond;
        var ceiling = r.Ceiling;
        var window = r.WindowAfter is { } a && r.WindowBefore is { } b ? a.SecondsSince(b) : 0;
        var ratio = rate is { } x && ceiling is { } c && c > 0 ? x / c : (double?)null;
        figures.Add(new Figure("5", Rows[0].Title,
            rate is { } d ? $"{d:#,0.0}/s over {window:0} s ({o.Accounts:#,0} accounts × 1 campaign of {o.Prospects} ViewProfile prospects)" : "not measured (the run stopped early)",
            ceiling is { } cc ? $"pacing ceiling {cc:#,0}/s ({o.Accounts:#,0} accounts / {r.Pacing!.MeanInterval.TotalSeconds:0.###} s mean interval)" : "pacing off: no ceiling",
            ratio, $"≥ {TargetRatio:0.0}", ratio is { } q ? (q >= TargetRatio ? Verdict.Pass : Verdict.Miss) : Verdict.NotAvailable));

        var probes = r.Probes;
        var worstP50 = probes.Count == 0 ? (double?)null : probes.Max(p => p.P50Ms);
        figures.Add(new Figure("5a", Rows[1].Title,
            probes.Count == 0 ? "not measured" : string.Join("; ", probes.Select(p => $"{p.Name} p50 {p.P50Ms:#,0.0} / p99 {p.P99Ms:#,0.0} ms{(p.Failed > 0 ? $" ({p.Failed} of {p.Count} failed)" : "")}")),
            "", null, $"p50 well under {TargetP50Ms:0} ms (scored: < {TargetP50Ms:0})",
            worstP50 is { } w ? (w < TargetP50Ms && probes.All(p => p.Failed == 0) ? Verdict.Pass : Verdict.Miss) : Verdict.NotAvailable));

        var refusals = r.Refusals;
        var refused = refusals is null ? (long?)null : refusals.RunShRefusals + refusals.PostgresRefusals;
        figures.Add(new Figure("5b", Rows[2].Title,
            refusals is null ? "logs not read" : $"{refused:#,0}: {refusals.RunShRefusals:#,0} lines in run.sh's output (silos, dashboard, simulator), {refusals.PostgresRefusals:#,0} in PostgreSQL's log{(r.SamplerRefusals > 0 ? $" (less {r.SamplerRefusals} of the tool's own sampler)" : "")}",
            r.MaxConnections is { } max ? $"max_connections {max}" : "", null, "0",
            refused is 0 ? Verdict.Pass : refused is null ? Verdict.NotAvailable : Verdict.Miss));

        var duplicates = r.Final?.DuplicateKeys;
        figures.Add(new Figure("5c", Rows[3].Title,
            duplicates is { } dk ? $"{dk:#,0} (of {r.Final!.Calls:#,0} calls, {r.Final.Delivered:#,0} delivered)" : "not measured",
            "", null, "0 (a correctness property)",
            duplicates is 0 ? Verdict.Pass : duplicates is null ? Verdict.NotAvailable : Verdict.Failed));

        return new RunShSummary(r, figures, Render(r, figures));
    }

    private static string Render(RunShResult r, IReadOnlyList<Figure> figures)
    {
        var o = r.Options;
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(inv, $"# runsh: figure 5 through ./run.sh --postgres{(o.Quick ? " (QUICK: smoke sizes, the figures mean nothing)" : "")}");
        s.AppendLine();
        s.AppendLine(inv, $"Run {r.StartedAt:yyyy-MM-dd HH:mm} UTC, {r.Seconds / 60:0.0} min in all; commit `{r.Commit}`; {Environment.ProcessorCount} cores " +
                          $"(shared: see \"other\" in the CPU table); run.sh `--postgres --no-demo{(o.Silos > 1 ? $" --silos {o.Silos}" : "")}` with its default PostgreSQL settings.");
        s.AppendLine(inv, $"Load: {o.Accounts:#,0} accounts, one ViewProfile campaign of {o.Prospects} prospects each, {o.Clients} concurrent clients for setup; " +
                          $"{o.Warmup.TotalSeconds:0} s warm-up, {o.Window.TotalSeconds:0} s window with {o.ProbeRate:0.##} writes/s of each kind.");
        if (r.Pacing is { } pacing)
        {
            s.AppendLine(inv, $"Pacing of this run: {pacing.Brief}.");
        }
        s.AppendLine();
        s.AppendLine("| # | figure | measured | baseline (same run) | ratio | target | result |");
        s.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var f in figures)
        {
            s.AppendLine(inv, $"| {f.Id} | {f.Title} | {f.Measured} | {f.Baseline} | {(f.Ratio is { } q ? $"**{q:0.00}**" : "")} | {f.Target} | {f.VerdictText} |");
        }
        s.AppendLine();

        s.AppendLine("## Setup through the REST API");
        s.AppendLine();
        s.AppendLine(inv, $"run.sh ready (build, PostgreSQL, silo(s), dashboard /healthz) after {r.StartSeconds:0} s.");
        s.AppendLine();
        s.AppendLine("| phase | writes | elapsed s | writes/s | p50 ms | p99 ms | max ms | failed |");
        s.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var p in r.Setup)
        {
            s.AppendLine(inv, $"| {p.Name} | {p.Writes:#,0} | {p.Seconds:0.0} | {p.Writes / Math.Max(p.Seconds, 1e-9):#,0.0} | {p.Stats.P50Ms:#,0.0} | {p.Stats.P99Ms:#,0.0} | {p.Stats.MaxMs:#,0} | {p.Stats.Failed:#,0} |");
        }
        Samples(s, "Setup failures (first of each phase)", r.SetupFailures);
        s.AppendLine();

        s.AppendLine("## During the window");
        s.AppendLine();
        if (r.Probes.Count > 0)
        {
            s.AppendLine("| write (open loop) | writes | p50 ms | p99 ms | max ms | failed |");
            s.AppendLine("|---|---|---|---|---|---|");
            foreach (var p in r.Probes)
            {
                s.AppendLine(inv, $"| {p.Name} | {p.Count:#,0} | {p.P50Ms:#,0.0} | {p.P99Ms:#,0.0} | {p.MaxMs:#,0} | {p.Failed:#,0} |");
            }
            Samples(s, "Write failures during the window", r.ProbeFailures);
            s.AppendLine();
        }
        if (r.Cpu.Count > 0)
        {
            s.AppendLine("CPU in the window, cores: " + string.Join(" · ", r.Cpu.Select(kv => $"{kv.Key} {(kv.Value < 0 ? "?" : kv.Value.ToString("0.00", inv))}")) +
                         $" (of {Environment.ProcessorCount}). Silo resident memory at the end: {r.SiloResidentBytes / 1048576.0:#,0} MB.");
            s.AppendLine();
        }
        if (r.DrainedCampaigns > 0)
        {
            s.AppendLine(inv, $"**{r.DrainedCampaigns:#,0} of {o.Accounts:#,0} campaigns had delivered all {o.Prospects} prospects by the end of the window**: " +
                              $"those accounts had nothing left to send, so the ratio understates what the node can do; use more `--prospects`.");
            s.AppendLine();
        }
        else
        {
            s.AppendLine("No campaign ran out of prospects before the end of the window.");
            s.AppendLine();
        }

        if (r.Timeline.Count > 0)
        {
            s.AppendLine("Ramp from the first activation (deliveries/s between samples; PostgreSQL client connections, the sampler's own not counted):");
            s.AppendLine();
            s.AppendLine("| t s | delivered | deliveries/s | calls | PG connections |");
            s.AppendLine("|---|---|---|---|---|");
            foreach (var t in r.Timeline)
            {
                s.AppendLine(inv, $"| {t.AtSeconds:0} | {t.Delivered:#,0} | {t.DeliveriesPerSecond:#,0.0} | {t.Calls:#,0} | {(t.Refused is { } why ? $"refused: {why}" : t.Connections < 0 ? "-" : t.Connections.ToString(inv))} |");
            }
            s.AppendLine();
        }

        s.AppendLine("## Logs");
        s.AppendLine();
        if (r.Refusals is { } logs)
        {
            s.AppendLine(inv, $"run.sh's output (every process it started): {logs.RunShLines:#,0} lines, {logs.ErrorLines:#,0} at `fail`/`crit` before the stop " +
                              $"(and {logs.StopErrorLines:#,0} during it), {logs.RunShRefusals:#,0} connection refusals; " +
                              $"PostgreSQL's server.log: {logs.PostgresLines:#,0} lines, {logs.PostgresRefusals:#,0} refusals. Kept in `{r.RunLog}` and `{r.PgLog}`.");
            Samples(s, "First refusals", logs.Samples);
        }
        s.AppendLine(inv, $"run.sh {(r.StoppedCleanly ? "stopped" : "did NOT stop")} on SIGTERM in {r.StopSeconds:0.0} s.");
        return s.ToString();
    }

    private static void Samples(StringBuilder s, string title, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }
        s.AppendLine();
        s.AppendLine(title + ":");
        s.AppendLine();
        foreach (var line in lines.Take(6))
        {
            s.AppendLine("    " + line.Replace('\n', ' '));
        }
    }
}
