using System.Diagnostics;
using Npgsql;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Figures 8-10 (issue 11's campaign figures 1-3) on one single-silo cluster on PostgreSQL with the
/// campaigns driving themselves (<c>Dispatch:AutoDispatch</c> true, the product's timers and
/// reminders), pacing off, the in-process simulated LinkedIn. In order, so that each reading sees
/// only its own load: the empty cluster's idle CPU (10a); WAL per delivered action in a small and a
/// large campaign (9a, 9); idle campaigns with nothing due for an hour (10); the account path alone
/// (8a) and then dispatch through campaigns over the same accounts (8).
/// </summary>
internal sealed class CampaignBench(HarnessOptions o, Reporter reporter, HarnessSummary summary)
{
    private const double DispatchTarget = 0.5;
    private const double WalTarget = 2.0;
    private const double IdleCpuTarget = 0.05;
    private const int IdleDelayMinutes = 60;

    private static string CampaignId(BenchAccount account) => account.Id + "c";

    public async Task RunAsync()
    {
        if (await BenchDatabase.OpenAsync(o, reporter, summary, "8a", "8", "9a", "9", "10a", "10") is not { } db)
        {
            return;
        }
        await using var _ = db;
        var (pg, dataSource, stats, cpu) = (db.Pg, db.DataSource, db.Stats, db.Cpu);

        // A fake product clock: the idle campaigns' hour passes in one step (figure 8 starts from there,
        // every prospect due at once, with no API call competing with the dispatch). Grain timers keep real time.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var world = new BenchWorld(clock, pg.ConnectionString);
        world.Settings["Dispatch:AutoDispatch"] = "true"; // campaigns drive themselves: their timers and reminders are what is measured
        if (o.CampaignRuns is { } runs)
        {
            world.Settings["Dispatch:MaxConcurrentRuns"] = runs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        reporter.Line("campaigns: starting a 1-silo cluster on PostgreSQL, campaign timers on, pacing off");
        var cluster = await BenchCluster.StartAsync(world, 1);
        try
        {
            var flush = BenchPostgres.Flusher(cluster, dataSource);
            var run = world.Id[..4];
            var serviceId = cluster.Options.ServiceId;

            // 10a: nothing but Orleans' own background work (membership, reminder table refresh).
            await Task.Delay(o.Quick ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(5));
            var empty = await IdleAsync("10a empty cluster", o.IdleWindow, cpu);
            var emptyReminders = await BenchCampaigns.ReminderRowsAsync(dataSource, serviceId);
            var emptyTracked = BenchCampaigns.RemindersTrackedByOrleans();
            summary.Set(new Figure("10a", HarnessSummary.TitleOf("10a"), $"{empty.Own:0.000} cores over {o.IdleWindow.TotalSeconds:0} s (harness process)", "", null, "", Verdict.Baseline));

            var (small, large) = await WalAsync(cluster, world, dataSource, stats, flush, run, serviceId);

            var accounts = BenchAccounts.Create($"cg{run}", o.Campaigns ?? o.Accounts, o.AccountsPerWorkspace);
            var n = accounts.Length;
            var grains = cluster.Client;
            var order = BenchCampaigns.AcrossWorkspaces(n, i => accounts[i].Workspace);
            var configure = await Load.ForEachAsync("configure accounts", n, o.Concurrency,
                i => grains.GetGrain<IAccountGrain>(accounts[order[i]].Key).ConfigureAsync(BenchAccounts.Generous), reporter);

            var idle = await IdleCampaignsAsync(cluster, world, dataSource, stats, flush, cpu, accounts, empty, emptyReminders, emptyTracked);

            await EndToEndAsync(cluster, world, clock, stats, flush, cpu, accounts, configure, small, large, idle);
        }
        finally
        {
            await BenchCluster.StopAsync(cluster);
        }
    }

    private async Task<CpuMeter.Usage> IdleAsync(string name, TimeSpan window, CpuMeter cpu)
    {
        reporter.Line($"{name}: reading CPU for {window.TotalSeconds:0} s");
        var from = cpu.Take();
        await Task.Delay(window);
        var usage = cpu.Take().Minus(from);
        reporter.Line($"  {name}: CPU cores own/PG/other {usage.Text}");
        return usage;
    }

    private sealed record WalReading(string Name, int Prospects, long Delivered, TimeSpan Elapsed, long WalBytes, long? StateRow, DbStats.Snapshot Db, TimeSpan Setup)
    {
        public double PerDelivery => Delivered > 0 ? WalBytes / (double)Delivered : double.NaN;

        public string Brief => $"{BenchCampaigns.Bytes(PerDelivery)} per delivered action ({Delivered:#,0} delivered in {Elapsed.TotalSeconds:0.0} s, " +
            $"{BenchCampaigns.Bytes(WalBytes)} WAL{(StateRow is { } row ? $"; campaign state row {BenchCampaigns.Bytes(row)}" : "")})";
    }

    /// <summary>Figures 9a and 9: one campaign on one account at a time, WAL from activation to the N-th delivery.</summary>
    private async Task<(WalReading Small, WalReading Large)> WalAsync(TestCluster cluster, BenchWorld world, NpgsqlDataSource dataSource, DbStats stats, Action flush, string run, string serviceId)
    {
        var grains = cluster.Client;
        var accounts = BenchAccounts.Create($"wal{run}", 2, o.AccountsPerWorkspace);
        foreach (var a in accounts)
        {
            await grains.GetGrain<IAccountGrain>(a.Key).ConfigureAsync(BenchAccounts.Generous);
        }
        async Task<WalReading> Measure(string name, BenchAccount account, string campaignId, int prospects)
        {
            reporter.Line($"{name}: one campaign of {prospects:#,0} prospects (paused), then activated until {o.WalDeliveries} deliveries");
            var began = Stopwatch.GetTimestamp();
            await BenchCampaigns.CreateAsync(grains, account, campaignId, prospects);
            var setup = Stopwatch.GetElapsedTime(began);
            var row = await BenchCampaigns.LargestCampaignRowAsync(dataSource, serviceId);
            var dbBefore = await stats.TakeAsync(flush);
            var delivered = world.Upstream.Delivered;
            var position = await BenchCampaigns.WalPositionAsync(dataSource);
            await BenchCampaigns.SetActiveAsync(grains, account, campaignId, true);
            var (count, elapsed) = await BenchCampaigns.WaitForDeliveriesAsync(world.Upstream, delivered, o.WalDeliveries,
                o.Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromMinutes(2));
            var wal = await BenchCampaigns.WalSinceAsync(dataSource, position);
            count = world.Upstream.Delivered - delivered;
            await BenchCampaigns.SetActiveAsync(grains, account, campaignId, false);
            var db = (await stats.TakeAsync(flush)).Minus(dbBefore);
            var reading = new WalReading(name, prospects, count, elapsed, wal, row, db, setup);
            reporter.Line($"  {name}: {reading.Brief}; set-up {setup.TotalSeconds:0.0} s");
            return reading;
        }

        var small = await Measure("9a small campaign", accounts[0], $"wal{run}s", o.SmallCampaign);
        summary.Set(new Figure("9a", HarnessSummary.TitleOf("9a"), small.Brief, "", null, "", Verdict.Baseline));
        var large = await Measure("9 large campaign", accounts[1], $"wal{run}l", o.LargeCampaign);
        var ratio = small.PerDelivery > 0 && large.Delivered > 0 ? large.PerDelivery / small.PerDelivery : (double?)null;
        var problem = large.Delivered < o.WalDeliveries ? $"only {large.Delivered} of {o.WalDeliveries} deliveries before the timeout" : null;
        summary.Set(new Figure("9", HarnessSummary.TitleOf("9"), $"{o.LargeCampaign:#,0} prospects: " + large.Brief + (problem is null ? "" : $" ({problem})"),
            $"{small.Prospects:#,0} prospects: {BenchCampaigns.Bytes(small.PerDelivery)}", ratio, $"≤ {WalTarget:0} × baseline",
            ratio is { } r && r <= WalTarget && problem is null ? Verdict.Pass : Verdict.Miss));
        return (small, large);
    }

    private sealed record IdleReading(CpuMeter.Usage Empty, long EmptyReminderRows, long? EmptyTracked, int Campaigns, CpuMeter.Usage Cpu, (long All, long Campaigns) Reminders, long? Tracked, int Activations, DbStats.Snapshot Db, BulkResult Create);

    /// <summary>
    /// Figure 10: N active campaigns whose every prospect waits a 60-minute first-step delay. They stay
    /// as they are: figure 8 moves the clock past the hour and measures them dispatching.
    /// </summary>
    private async Task<IdleReading> IdleCampaignsAsync(TestCluster cluster, BenchWorld world, NpgsqlDataSource dataSource, DbStats stats, Action flush, CpuMeter cpu,
        BenchAccount[] accounts, CpuMeter.Usage empty, (long All, long Campaigns) emptyReminders, long? emptyTracked)
    {
        var grains = cluster.Client;
        var n = accounts.Length;
        var order = BenchCampaigns.AcrossWorkspaces(n, i => accounts[i].Workspace);
        var create = await Load.ForEachAsync("10 create idle campaigns", n, o.Concurrency,
            i => BenchCampaigns.CreateAsync(grains, accounts[order[i]], CampaignId(accounts[order[i]]), o.CampaignProspects, active: true, delayMinutes: IdleDelayMinutes), reporter);
        // Let the set-up's last writes, reminder registrations and the reminder table refresh settle.
        await Task.Delay(o.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10));
        var dbBefore = await stats.TakeAsync(flush);
        var upstreamBefore = world.Upstream.Calls;
        var usage = await IdleAsync($"10 {n:#,0} idle campaigns", o.IdleWindow, cpu);
        var db = (await stats.TakeAsync(flush)).Minus(dbBefore);
        var reminders = await BenchCampaigns.ReminderRowsAsync(dataSource, cluster.Options.ServiceId);
        var tracked = BenchCampaigns.RemindersTrackedByOrleans();
        var activations = await MemoryBench.ActivationsAsync(grains, "CampaignGrain");
        var sent = world.Upstream.Calls - upstreamBefore;
        reporter.Line($"  10: {reminders.Campaigns:#,0} campaign reminder rows ({reminders.All:#,0} in all), Orleans tracks {tracked?.ToString("#,0") ?? "?"}; " +
            $"{activations:#,0} campaign activations; {sent} upstream calls");

        var pass = usage.Own <= IdleCpuTarget && reminders.Campaigns == 0 && sent == 0;
        summary.Set(new Figure("10", HarnessSummary.TitleOf("10"),
            $"{n:#,0} campaigns: {usage.Own:0.000} cores over {o.IdleWindow.TotalSeconds:0} s; {reminders.Campaigns:#,0} campaign reminder rows, " +
            $"Orleans' reminder service tracking {tracked?.ToString("#,0") ?? "?"}" + (sent == 0 ? "" : $"; {sent} upstream calls (nothing was due)"),
            $"empty cluster: {empty.Own:0.000} cores, {emptyReminders.All} reminder rows", empty.Own >= 0.001 ? usage.Own / empty.Own : null,
            $"≤ {IdleCpuTarget:0.00} cores, 0 campaign reminders", pass ? Verdict.Pass : Verdict.Miss));
        return new IdleReading(empty, emptyReminders.All, emptyTracked, n, usage, reminders, tracked, activations, db, create);
    }

    /// <summary>Figures 8a and 8: the account path alone, then the same accounts driven by their campaigns.</summary>
    private async Task EndToEndAsync(TestCluster cluster, BenchWorld world, FakeTimeProvider clock, DbStats stats, Action flush, CpuMeter cpu, BenchAccount[] accounts, BulkResult configure,
        WalReading small, WalReading large, IdleReading idle)
    {
        var grains = cluster.Client;
        var n = accounts.Length;
        var checkpointed = await stats.CheckpointAsync();
        var accountPath = await Load.RunAsync("8a dispatch (account path)", o.Concurrency, o.Warmup, o.Duration, async i => BenchAccounts.Label(
            await grains.GetGrain<IAccountGrain>(accounts[i % n].Key).DispatchAsync(BenchAccounts.Command($"a{i}", ActionType.Message))), reporter, cpu);
        var allSent = accountPath.Outcomes.Keys.All(k => k == "Sent") && accountPath.Errors == 0;
        summary.Set(new Figure("8a", HarnessSummary.TitleOf("8a"), accountPath.Brief + (allSent ? "" : $" (not all Sent: {accountPath.OutcomeText})"), "", null, "", Verdict.Baseline));

        // The idle campaigns' hour passes: every prospect of every campaign is due; the due index wakes them, then their own timers run them.
        var deliveredAtStart = world.Upstream.Delivered;
        clock.Advance(TimeSpan.FromMinutes(IdleDelayMinutes + 1));
        // Idle campaigns hold no timer: the due index wakes them at its next poll (Dispatch:WakePollInterval, 10 s),
        // so the warm-up starts at the first delivery; otherwise 0-10 s of that poll fall in the window by chance.
        var (_, woken) = await BenchCampaigns.WaitForDeliveriesAsync(world.Upstream, deliveredAtStart, 1, TimeSpan.FromSeconds(60));
        reporter.Line($"8 campaigns dispatching {woken.TotalSeconds:0.0} s after their hour passed (the due index's poll woke them): " +
            $"{o.Warmup.TotalSeconds:0.#} s warm-up + {o.Duration.TotalSeconds:0.#} s measured at the upstream");
        checkpointed &= await stats.CheckpointAsync();
        await Task.Delay(o.Warmup);
        var dbBefore = await stats.TakeAsync(flush);
        var cpuFrom = cpu.Take();
        var (delivered, window) = await BenchCampaigns.CountDeliveriesAsync(world.Upstream, o.Duration, TimeSpan.FromSeconds(2), "8 campaigns", reporter);
        var usage = cpu.Take().Minus(cpuFrom);
        var db = (await stats.TakeAsync(flush)).Minus(dbBefore);
        var rate = delivered / window.TotalSeconds;
        var total = (long)n * o.CampaignProspects;
        var left = total - (world.Upstream.Delivered - deliveredAtStart);
        reporter.Line($"  8 campaigns: {rate:#,0} deliveries/s; CPU cores own/PG/other {usage.Text}; {left:#,0} of {total:#,0} prospects not yet sent");
        var (warnings, errors) = world.Logs.Take();

        var ratio = accountPath.PerSecond > 0 ? rate / accountPath.PerSecond : 0;
        var ranDry = left <= 0;
        summary.Set(new Figure("8", HarnessSummary.TitleOf("8"),
            $"{rate:#,0} deliveries/s at the upstream ({n:#,0} campaigns over {n:#,0} accounts)" + (ranDry ? " (campaigns ran dry within the window: a lower bound)" : ""),
            $"8a account path: {accountPath.PerSecond:#,0}/s", ratio, $"≥ {DispatchTarget:0.00} × baseline", ratio >= DispatchTarget && allSent ? Verdict.Pass : Verdict.Miss));

        summary.Detail("8-10. Campaigns on PostgreSQL (issue 11's figures 1-3)", $"""
            One silo on `UseBreakerPostgres` and the PostgreSQL event log; {pg(stats)}. `Dispatch:AutoDispatch` true (the campaigns'
            own timers and keep-alive reminders run, as in production), `Dispatch:MinInterval` 0, the in-process simulated LinkedIn.
            Campaigns are created and driven only through `ICampaignGrain` (ConfigureAsync, AddProspectsAsync), one Message step each.
            The product clock is a fake one that stands still except where said (grain timers run on real time). Deliveries are
            counted at the upstream (answers 200). CPU is this process (silo, client, harness) / the harness's
            PostgreSQL / the rest of the machine, in cores; the machine is shared with other builds ("other").

            **10a, 10. Idle.** Empty cluster over {o.IdleWindow.TotalSeconds:0} s: CPU {idle.Empty.Text}, {idle.EmptyReminderRows} reminder rows, Orleans tracking {idle.EmptyTracked?.ToString("#,0") ?? "?"}. Then {idle.Campaigns:#,0} active campaigns
            (one per account), each with {o.CampaignProspects} prospects waiting a {IdleDelayMinutes}-minute first-step delay (created in {idle.Create.Elapsed.TotalSeconds:0.0} s,
            {idle.Create.Errors} errors), 10 s (quick 1 s) to settle, then {o.IdleWindow.TotalSeconds:0} s: CPU {idle.Cpu.Text};
            {idle.Activations:#,0} campaign activations; reminder rows {idle.Reminders.All:#,0} of which {idle.Reminders.Campaigns:#,0} campaigns'
            (`orleansreminderstable`), Orleans' reminder service tracking {idle.Tracked?.ToString("#,0") ?? "?"} (`orleans-reminders-active`).
            Database work during the idle window:

            {idle.Db.Describe(Math.Max(1, idle.Campaigns), "campaign", stats.HasStatements)}

            **9a, 9. WAL per delivered action.** One campaign on its own account, created paused with its prospects (batches of
            {BenchCampaigns.AddBatch:#,0}), then activated; `pg_wal_lsn_diff(pg_current_wal_lsn(), before)` from the activation to the
            {o.WalDeliveries}-th delivery, divided by the deliveries. WAL is the server's (with `--pg`, every database on it).

            | campaign | set-up | largest campaign state row | delivered | in | WAL | per delivered action | commits per delivery | rows updated per delivery |
            |---|---|---|---|---|---|---|---|---|
            {WalRow(small)}
            {WalRow(large)}

            Database work of the large campaign while it dispatched:

            {large.Db.Describe(Math.Max(1, large.Delivered), "delivery", stats.HasStatements)}
            **8a, 8. End to end.** {n:#,0} accounts (configured in {configure.Elapsed.TotalSeconds:0.0} s, one workspace after another in turn:
            a workspace grain serialises the configures of its accounts). 8a: figure 4's load on them
            ({o.Concurrency} calls in flight, {o.Warmup.TotalSeconds:0.#} s + {o.Duration.TotalSeconds:0.#} s): {accountPath.Brief}, CPU {accountPath.Cpu?.Text}.
            8a ran while figure 10's campaigns sat idle. 8: then the product clock moved past their hour in one step, so that all
            {total:#,0} prospects of the {n:#,0} campaigns were due at once, woken by the due index's poll {woken.TotalSeconds:0.0} s later, the window's warm-up starting at their first delivery (no API call
            competes with the dispatch: activating campaigns one by one under load took minutes in an earlier version of this
            harness, and most prospects were sent before the window opened). After {o.Warmup.TotalSeconds:0.#} s, {delivered:#,0} deliveries in {window.TotalSeconds:0.0} s:
            **{rate:#,0}/s**, CPU {usage.Text}; {left:#,0} of {total:#,0} prospects still unsent at the end. {(checkpointed ? "Each of 8a and 8 began with a `CHECKPOINT` (before 8a's warm-up, and at 8's first delivery, before its warm-up), so both windows stand at the same place in the checkpoint cycle" : "The server refused `CHECKPOINT`: either window may have caught a checkpoint (see the background line)")}. Database work in the window:

            {db.Describe(Math.Max(1, delivered), "delivery", stats.HasStatements)}
            - Silo warnings/errors over the section: {warnings}/{errors}.
            """);

        static string pg(DbStats s) => s.HasStatements ? "statements from `pg_stat_statements`" : "no `pg_stat_statements` on this server";
    }

    private static string WalRow(WalReading r) =>
        $"| {r.Prospects:#,0} prospects | {r.Setup.TotalSeconds:0.0} s | {(r.StateRow is { } row ? BenchCampaigns.Bytes(row) : "-")} | {r.Delivered:#,0} | {r.Elapsed.TotalSeconds:0.0} s | " +
        $"{BenchCampaigns.Bytes(r.WalBytes)} | **{BenchCampaigns.Bytes(r.PerDelivery)}** | {r.Db.Commits / (double)Math.Max(1, r.Delivered):0.00} | {r.Db.Updated / (double)Math.Max(1, r.Delivered):0.00} |";
}
