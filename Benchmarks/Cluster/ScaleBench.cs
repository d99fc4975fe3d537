using System.Diagnostics;
using Npgsql;
using OrleansBreaker.Campaigns;
using OrleansBreaker.Hosting;
using OrleansBreaker.Testing;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Figure 11 (issue 11's figure 4, section <c>scale</c>): the whole of BRIEF §10 on one silo on
/// PostgreSQL: 100,000 accounts, 10,000 campaigns (one account each), 1,000,000 prospects, with the
/// simulation's pacing (<c>Dispatch:MinInterval</c> 1 s + <c>MaxJitter</c> 1 s, as
/// Silo/appsettings.Development.json). Set-up time per kind of write, the process's memory once
/// everything is set up and dispatching, sustained deliveries/s at the upstream, and the latency of
/// the API's writes (account and campaign ConfigureAsync, AddProspectsAsync) while it dispatches.
/// </summary>
internal sealed class ScaleBench(HarnessOptions o, Reporter reporter, HarnessSummary summary)
{
    private const double DeliveryTarget = 500;
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxJitter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WritePause = TimeSpan.FromMilliseconds(100);

    /// <summary>Figure 11b's target: "writes keep a p50 well under 100 ms" (issue 11), taken as at most half of it.</summary>
    private const double WriteP50Target = 50;
    private static readonly int ProductLimit = new DispatchOptions().MaxConcurrentRuns;

    private sealed record Writes(string Name, long Operations, double P50Ms, double P99Ms, double MaxMs, long Errors, string? FirstError);

    private sealed record Window(int Limit, double Rate, long Delivered, CpuMeter.Usage Cpu, double DeferredPerSecond, IReadOnlyList<Writes> Writes, DbStats.Snapshot Db);

    private int Callers => o.Quick ? 1 : 2;

    private static string LimitText(int limit) => limit == 0 ? "none" : $"{limit}";

    private static string FirstError(Window w) => w.Writes.FirstOrDefault(x => x.FirstError is not null) is { } x ? $" ({x.FirstError})" : "";

    /// <summary>One measured window of sustained dispatch, with the API's writes over it.</summary>
    private async Task<Window> WindowAsync(int limit, CampaignRunGate gate, DbStats stats, BenchWorld world, CpuMeter cpu, IClusterClient grains, Func<long, BenchAccount> sender, Func<long, string> campaignId)
    {
        reporter.Line($"  11 window: run limit {LimitText(limit)}");
        var measure = Task.Run(async () =>
        {
            await Task.Delay(o.ScaleWarmup);
            var from = world.Upstream.Delivered;
            var waited = gate.Waited;
            // Statements are counted as they end; no pool is cleared mid-window (pg_stat_database lags by up to a second).
            var dbFrom = await stats.TakeAsync(() => { });
            var cpuFrom = cpu.Take();
            var at = Stopwatch.GetTimestamp();
            await Task.Delay(o.ScaleDuration);
            var seconds = Stopwatch.GetElapsedTime(at).TotalSeconds;
            var delivered = world.Upstream.Delivered - from;
            var usage = cpu.Take().Minus(cpuFrom);
            var db = (await stats.TakeAsync(() => { })).Minus(dbFrom);
            return (Rate: delivered / seconds, Delivered: delivered, Cpu: usage, Deferred: (gate.Waited - waited) / seconds, Db: db);
        });
        var accountWrites = PacedAsync("account ConfigureAsync", Callers, async i =>
            await grains.GetGrain<IAccountGrain>(sender(i).Key).ConfigureAsync(BenchAccounts.Generous));
        var campaignWrites = PacedAsync("campaign ConfigureAsync", Callers, async i =>
            await BenchCampaigns.SetActiveAsync(grains, sender(i * 7 + 1), campaignId(i * 7 + 1), true));
        var prospectWrites = PacedAsync("AddProspectsAsync (1 prospect)", Callers, async i =>
        {
            var k = i * 13 + 2;
            await grains.GetGrain<ICampaignGrain>(BenchCampaigns.Key(sender(k), campaignId(k))).AddProspectsAsync([new ProspectInput($"{campaignId(k)}x{limit}x{i:D7}", null)]);
        });
        var measured = await measure;
        var writes = new[] { await accountWrites, await campaignWrites, await prospectWrites };
        reporter.Line($"  11 run limit {LimitText(limit)}: {measured.Rate:#,0} deliveries/s, {measured.Deferred:#,0} runs that waited/s, CPU {measured.Cpu.Text}");
        return new Window(limit, measured.Rate, measured.Delivered, measured.Cpu, measured.Deferred, writes, measured.Db);
    }

    /// <summary>
    /// API-like writes while the node dispatches: <paramref name="callers"/> loops, each calling, then
    /// pausing <see cref="WritePause"/>; the calls that start after the warm-up and end in the window count.
    /// </summary>
    private async Task<Writes> PacedAsync(string name, int callers, Func<long, Task> write)
    {
        long next = -1;
        var from = Stopwatch.GetTimestamp() + (long)(o.ScaleWarmup.TotalSeconds * Stopwatch.Frequency);
        var until = from + (long)(o.ScaleDuration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<long>[callers];
        long errors = 0;
        string? firstError = null;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = [];
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await write(Interlocked.Increment(ref next));
                    var end = Stopwatch.GetTimestamp();
                    if (start >= from && end <= until)
                    {
                        mine.Add(end - start);
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{ex.GetType().Name}: {ex.Message}", null);
                }
                await Task.Delay(WritePause);
            }
        })));
        var sorted = latencies.SelectMany(l => l).Order().ToArray();
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double P(double p) => sorted.Length == 0 ? 0 : Ms(sorted[(int)Math.Round(p * (sorted.Length - 1))]);
        var result = new Writes(name, sorted.Length, P(0.5), P(0.99), sorted.Length == 0 ? 0 : Ms(sorted[^1]), errors, firstError);
        reporter.Line($"  11 {name}: {result.Operations:#,0} calls, p50 {result.P50Ms:0.0} ms, p99 {result.P99Ms:0.0} ms, max {result.MaxMs:0.0} ms, {errors} errors");
        return result;
    }

    public async Task RunAsync()
    {
        var began = Stopwatch.GetTimestamp();
        BenchPostgres pg;
        try
        {
            pg = await BenchPostgres.ForAsync(o, reporter);
        }
        catch (PostgresUnavailableException ex)
        {
            summary.NotAvailable("11", $"not available: {ex.Message}");
            return;
        }
        await using var _ = pg;
        var cpu = new CpuMeter(pg.PostmasterPid);
        await using var dataSource = pg.HarnessDataSource();
        var stats = new DbStats(dataSource, TimeSpan.Zero);
        await stats.InitAsync();
        using var world = new BenchWorld(TimeProvider.System, pg.ConnectionString);
        world.Settings["Dispatch:AutoDispatch"] = "true";
        world.Settings["Dispatch:MinInterval"] = MinInterval.ToString();
        world.Settings["Dispatch:MaxJitter"] = MaxJitter.ToString();
        reporter.Line($"scale: starting a 1-silo cluster on PostgreSQL for {o.ScaleAccounts:#,0} accounts, {o.ScaleCampaigns:#,0} campaigns, {o.ScaleProspects:#,0} prospects");
        var cluster = await BenchCluster.StartAsync(world, 1);
        try
        {
            var grains = cluster.Client;
            var run = world.Id[..4];
            var accounts = BenchAccounts.Create($"sc{run}", o.ScaleAccounts, o.AccountsPerWorkspace);
            var c = o.ScaleCampaigns;
            var spacing = accounts.Length / c;
            // Campaign k sends from account k × spacing: campaigns spread over every workspace.
            BenchAccount Sender(long k) => accounts[k % c * spacing];
            string CampaignId(long k) => $"sc{run}c{k % c:D6}";
            int ProspectsOf(int k) => o.ScaleProspects / c + (k < o.ScaleProspects % c ? 1 : 0);

            var (heapBefore, workingSetBefore) = await BenchCampaigns.MemoryAsync();
            var accountOrder = BenchCampaigns.AcrossWorkspaces(accounts.Length, i => accounts[i].Workspace);
            var campaignOrder = BenchCampaigns.AcrossWorkspaces(c, k => Sender(k).Workspace);
            var configure = await Load.ForEachAsync("11 configure accounts", accounts.Length, o.Concurrency,
                i => grains.GetGrain<IAccountGrain>(accounts[accountOrder[i]].Key).ConfigureAsync(BenchAccounts.Generous), reporter);
            var campaigns = await Load.ForEachAsync("11 create campaigns (paused)", c, o.Concurrency,
                i => Sender(campaignOrder[i]) is var a ? grains.GetGrain<ICampaignGrain>(BenchCampaigns.Key(a, CampaignId(campaignOrder[i]))).ConfigureAsync(BenchCampaigns.Settings(a, active: false)) : Task.CompletedTask, reporter);
            var prospects = await Load.ForEachAsync("11 add prospects", c, o.Concurrency, async i =>
            {
                var k = campaignOrder[i];
                var campaign = grains.GetGrain<ICampaignGrain>(BenchCampaigns.Key(Sender(k), CampaignId(k)));
                var count = ProspectsOf(k);
                for (var from = 0; from < count; from += BenchCampaigns.AddBatch)
                {
                    await campaign.AddProspectsAsync(BenchCampaigns.Prospects(CampaignId(k), from, Math.Min(BenchCampaigns.AddBatch, count - from)));
                }
            }, reporter);
            var activate = await Load.ForEachAsync("11 activate campaigns", c, o.Concurrency,
                i => BenchCampaigns.SetActiveAsync(grains, Sender(campaignOrder[i]), CampaignId(campaignOrder[i]), true), reporter);
            var setup = configure.Elapsed + campaigns.Elapsed + prospects.Elapsed + activate.Elapsed;
            var (heap, workingSet) = await BenchCampaigns.MemoryAsync();
            reporter.Line($"  11 set-up {setup.TotalSeconds:0.0} s; heap {BenchCampaigns.Bytes(heap)} (was {BenchCampaigns.Bytes(heapBefore)}), working set {BenchCampaigns.Bytes(workingSet)}");

            // The same cluster dispatches under each run limit in turn (0: none, the builds before the gate),
            // with the API's writes over each window: the limit's effect, side by side in one run.
            var gate = BenchCluster.SiloService<CampaignRunGate>(cluster.Silos[0]);
            var ceiling = c / (MinInterval + MaxJitter / 2).TotalSeconds;
            var windows = new List<Window>();
            foreach (var limit in o.ScaleRunLimits)
            {
                gate.Limit = limit == 0 ? int.MaxValue : limit;
                windows.Add(await WindowAsync(limit, gate, stats, world, cpu, grains, Sender, CampaignId));
            }
            var (warnings, errors) = world.Logs.Take();
            var (heapAfter, workingSetAfter) = await BenchCampaigns.MemoryAsync();
            var elapsed = Stopwatch.GetElapsedTime(began);
            reporter.Line($"  11: section {elapsed.TotalMinutes:0.0} min");

            string Latency(Window w) => string.Join("; ", w.Writes.Select(x => $"{x.Name} p50 {x.P50Ms:0} ms p99 {x.P99Ms:0} ms"));
            var product = windows.LastOrDefault(w => w.Limit == ProductLimit) ?? windows[^1];
            var unlimited = windows.FirstOrDefault(w => w.Limit == 0);
            if (unlimited is not null)
            {
                summary.Set(new Figure("11a", HarnessSummary.TitleOf("11a"),
                    $"{unlimited.Rate:#,0} deliveries/s; writes: {Latency(unlimited)}", "", null, "", Verdict.Baseline));
            }
            summary.Set(new Figure("11", HarnessSummary.TitleOf("11"),
                $"{o.ScaleAccounts:#,0} / {c:#,0} / {o.ScaleProspects:#,0}: set-up {setup.TotalSeconds:0} s; heap {BenchCampaigns.Bytes(heap)}, working set {BenchCampaigns.Bytes(workingSet)}; " +
                $"run limit {LimitText(product.Limit)}: **{product.Rate:#,0} deliveries/s**; section {elapsed.TotalMinutes:0.0} min",
                $"pacing ceiling {ceiling:#,0}/s" + (unlimited is null ? "" : $"; no limit {unlimited.Rate:#,0}/s"),
                product.Rate / DeliveryTarget, $"≥ {DeliveryTarget:0} deliveries/s", product.Rate >= DeliveryTarget ? Verdict.Pass : Verdict.Miss));
            var worst = product.Writes.Max(w => w.P50Ms);
            var failed = product.Writes.Sum(w => w.Errors);
            summary.Set(new Figure("11b", HarnessSummary.TitleOf("11b"),
                $"run limit {LimitText(product.Limit)}: {Latency(product)}; {failed} errors",
                unlimited is null ? "" : $"no limit: worst p50 {unlimited.Writes.Max(w => w.P50Ms):0} ms",
                unlimited is null ? null : worst / Math.Max(1e-9, unlimited.Writes.Max(w => w.P50Ms)),
                $"worst p50 ≤ {WriteP50Target:0} ms, no errors", worst <= WriteP50Target && failed == 0 ? Verdict.Pass : Verdict.Miss));

            summary.Detail("11. BRIEF §10 whole (section scale; issue 11's figure 4)", $"""
                {pg.Settings}. One silo on `UseBreakerPostgres`, `Dispatch:AutoDispatch` true, `Dispatch:MinInterval` {MinInterval.TotalSeconds:0} s +
                `MaxJitter` {MaxJitter.TotalSeconds:0} s (Silo/appsettings.Development.json), the in-process simulated LinkedIn. {o.ScaleAccounts:#,0} accounts
                in workspaces of {o.AccountsPerWorkspace}; {c:#,0} campaigns of one Message step, campaign k on account k × {spacing}; {o.ScaleProspects:#,0}
                prospects ({o.ScaleProspects / c:#,0} per campaign, in AddProspectsAsync calls of up to {BenchCampaigns.AddBatch:#,0}). The ratio column is the
                rate over the target. Pacing ceiling: {c:#,0} sending accounts / {(MinInterval + MaxJitter / 2).TotalSeconds:0.0} s mean interval.

                | phase | count | time | per second | errors |
                |---|---|---|---|---|
                | configure accounts | {configure.Count:#,0} | {configure.Elapsed.TotalSeconds:0.0} s | {configure.PerSecond:#,0} | {configure.Errors} |
                | create campaigns (paused) | {campaigns.Count:#,0} | {campaigns.Elapsed.TotalSeconds:0.0} s | {campaigns.PerSecond:#,0} | {campaigns.Errors} |
                | add prospects ({o.ScaleProspects:#,0}) | {prospects.Count:#,0} campaigns | {prospects.Elapsed.TotalSeconds:0.0} s | {o.ScaleProspects / Math.Max(1e-9, prospects.Elapsed.TotalSeconds):#,0} prospects | {prospects.Errors} |
                | activate campaigns | {activate.Count:#,0} | {activate.Elapsed.TotalSeconds:0.0} s | {activate.PerSecond:#,0} | {activate.Errors} |
                | **set-up in all** | | **{setup.TotalSeconds:0.0} s** | | |

                - Memory of this process (silo, client, harness): managed heap after full GCs {BenchCampaigns.Bytes(heapBefore)} before set-up,
                  **{BenchCampaigns.Bytes(heap)}** after it (campaigns active), {BenchCampaigns.Bytes(heapAfter)} after the measured windows; working set
                  {BenchCampaigns.Bytes(workingSetBefore)} → **{BenchCampaigns.Bytes(workingSet)}** → {BenchCampaigns.Bytes(workingSetAfter)}.
                - One window per run limit (`Dispatch:MaxConcurrentRuns`, set on the running silo; 0 = none), in this order, each {o.ScaleWarmup.TotalSeconds:0} s
                  of warm-up then {o.ScaleDuration.TotalSeconds:0} s measured. API writes over each window: {Callers} caller(s) per kind, one call every
                  {WritePause.TotalMilliseconds:0} ms per caller (an API's trickle, not a second load), on the sending accounts and their campaigns.

                  | run limit | deliveries/s | of ceiling | CPU own/PG/other | runs that waited/s | account ConfigureAsync p50 / p99 ms | campaign ConfigureAsync p50 / p99 ms | AddProspectsAsync p50 / p99 ms | write errors |
                  |---|---|---|---|---|---|---|---|---|
                {string.Join("\n", windows.Select(w => $"  | {LimitText(w.Limit)} | {w.Rate:#,0} | {w.Rate / ceiling:0.00} | {w.Cpu.Text} | {w.DeferredPerSecond:#,0} | " +
                    string.Join(" | ", w.Writes.Select(x => $"{x.P50Ms:0.0} / {x.P99Ms:0.0}")) + $" | {w.Writes.Sum(x => x.Errors)}{FirstError(w)} |"))}
                - Silo warnings/errors: {warnings}/{errors}. The section took {elapsed.TotalMinutes:0.0} min.

                {string.Join("\n", windows.Select(w => $"Database work in the window of run limit {LimitText(w.Limit)} ({w.Delivered:#,0} deliveries):\n\n{w.Db.Describe(Math.Max(1, w.Delivered), "delivery", stats.HasStatements)}"))}
                """);
        }
        finally
        {
            await BenchCluster.StopAsync(cluster);
        }
    }
}
