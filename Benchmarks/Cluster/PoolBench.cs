using System.Diagnostics;
using Npgsql;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Figures 12 and 13 (issue 12, section <c>pools</c>), each on its own single-silo cluster on PostgreSQL
/// with the campaigns driving themselves (<c>Dispatch:AutoDispatch</c> true) and the in-process simulated
/// LinkedIn, on the system clock.
/// <para>
/// 12: one InMail campaign over a pool of 50 seats with pacing on (<c>Dispatch:MinInterval</c>, no jitter),
/// where 40 % of the seats run out of InMail credits after a few sends (the simulator answers "Not enough
/// credits"); its InMails delivered in the window against what the pool could deliver at most (per seat the
/// least of its daily cap, its pacing allowance over the window and, for a tripping seat, its credits), and
/// against the same campaign welded to one account (12a, just before, same cluster). Counted too: skip events,
/// dispatches reaching a tripped seat after its trip, prospects delivered twice, prospects waiting with
/// InMailCreditsExhausted at the end.
/// </para>
/// <para>
/// 13: the same accounts and prospects dispatched through single-account campaigns (13a) and through
/// campaigns over pools of 10 (13), one after the other, pacing off (as figure 8), with the statements and
/// writes per delivery.
/// </para>
/// </summary>
internal sealed class PoolBench(HarnessOptions o, Reporter reporter, HarnessSummary summary)
{
    private const double PoolTarget = 0.9;
    private const double DispatchTarget = 0.5;
    private const int Page = 500;

    public async Task RunAsync()
    {
        if (await BenchDatabase.OpenAsync(o, reporter, summary, "12a", "12", "13a", "13") is not { } db)
        {
            return;
        }
        await using var _ = db;
        var (pg, dataSource, stats, cpu) = (db.Pg, db.DataSource, db.Stats, db.Cpu);
        await TripsAsync(pg, cpu);
        await DispatchAsync(pg, dataSource, stats, cpu);
    }

    private static readonly OrleansBreaker.Hosting.DispatchOptions Product = new();

    /// <summary>The campaign tick and batch size the section's clusters run with, in words.</summary>
    private string Batching => $"`CampaignTick` {Product.CampaignTick.TotalSeconds:0.#} s and `BatchSize` {o.PoolBatch ?? Product.BatchSize}" +
        (o.PoolBatch is { } b && b != Product.BatchSize ? $" (**diagnostic**: the product's default is {Product.BatchSize})" : " (the product's defaults)");

    /// <summary>Said in a figure measured with a batch size other than the product's: it is a diagnostic, not the figure.</summary>
    private string Diagnostic => o.PoolBatch is { } b && b != Product.BatchSize ? $" [diagnostic: BatchSize {b}]" : "";

    /// <summary>Campaigns drive themselves, as in production; the batch size is the product's unless a diagnostic run says otherwise.</summary>
    private void Configure(BenchWorld world)
    {
        world.Settings["Dispatch:AutoDispatch"] = "true";
        if (o.PoolBatch is { } batch)
        {
            world.Settings["Dispatch:BatchSize"] = batch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    // ---------------------------------------------------------------- figure 12

    private sealed record Seat(BenchAccount Account, bool Trips);

    private sealed record Trial(string Name, IReadOnlyList<Seat> Seats, long Delivered, long Possible, int Tripped, long AfterTrip, long UpstreamAfterTrip,
        long Duplicates, int Sent, int Skipped, int SkipEvents, int SkippedProspects, int OtherSkipText, int WaitingCredits, DateTimeOffset? EarliestResume,
        int CapExceeded, int SeatsUsed, CpuMeter.Usage Cpu, PoolLedger.Work Work, IReadOnlyList<long> Slices, bool Degraded)
    {
        public double OfPossible => Possible > 0 ? Delivered / (double)Possible : 0;
    }

    /// <summary>What a seat could deliver over the window at most: its daily cap, its pacing allowance, a tripping seat's credits.</summary>
    private long PossibleOf(Seat seat)
    {
        long most = o.PoolCap;
        if (o.PoolInterval > TimeSpan.Zero)
        {
            most = Math.Min(most, (long)Math.Floor(o.PoolWindow / o.PoolInterval) + 1);
        }
        return seat.Trips ? Math.Min(most, o.PoolCredits) : most;
    }

    private CampaignSettings InMailCampaign(IReadOnlyList<Seat> pool, bool active) => pool.Count == 1
        ? new CampaignSettings { AccountId = pool[0].Account.Id, Steps = [new StepDefinition(ActionType.InMail)], Active = active }
        : new CampaignSettings { AccountIds = [.. pool.Select(s => s.Account.Id)], Steps = [new StepDefinition(ActionType.InMail)], Active = active };

    private async Task TripsAsync(BenchPostgres pg, CpuMeter cpu)
    {
        using var world = new BenchWorld(TimeProvider.System, pg.ConnectionString);
        var ledger = world.Upstream.Ledger = new PoolLedger();
        Configure(world);
        world.Settings["Dispatch:MinInterval"] = o.PoolInterval.ToString();
        world.Settings["Dispatch:MaxJitter"] = TimeSpan.Zero.ToString();
        reporter.Line($"pools: starting a 1-silo cluster on PostgreSQL, campaign timers on, pacing {o.PoolInterval.TotalSeconds:0.##} s without jitter, {Batching}");
        var cluster = await BenchCluster.StartAsync(world, 1);
        try
        {
            var grains = cluster.Client;
            var run = world.Id[..4];
            var workspace = $"pl{run}w";
            var n = o.PoolAccounts;
            var tripping = (int)Math.Round(n * o.PoolTripping / 100.0);
            // The tripping seats spread evenly over the pool's order (2 of every 5 at 40 %).
            var pool = Enumerable.Range(0, n).Select(i => new Seat(new BenchAccount(workspace, $"pl{run}a{i:D3}"), (i + 1) * tripping / n > i * tripping / n)).ToArray();
            var healthy = new Seat(new BenchAccount(workspace, $"pl{run}h"), false);
            var trips = new Seat(new BenchAccount(workspace, $"pl{run}t"), true);
            var settings = new AccountSettings
            {
                TimeZone = BenchAccounts.Generous.TimeZone,
                Limits = ActionTypes.All.ToDictionary(a => a, a => a == ActionType.InMail ? new CapLimits(o.PoolCap, o.PoolCap * 5) : new CapLimits(1_000_000, 1_000_000)),
            };
            foreach (var seat in pool.Append(healthy).Append(trips))
            {
                world.LinkedIn.Configure(seat.Account.Id, new SimulatedAccountSettings { InMailCredits = seat.Trips ? o.PoolCredits : 1_000_000 });
                await grains.GetGrain<IAccountGrain>(seat.Account.Key).ConfigureAsync(settings);
            }
            async Task<(ICampaignGrain Grain, string Id, IReadOnlyList<Seat> Pool)> Create(string id, IReadOnlyList<Seat> seats)
            {
                var campaign = grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(workspace, id));
                await campaign.ConfigureAsync(InMailCampaign(seats, active: false));
                for (var from = 0; from < o.PoolProspects; from += BenchCampaigns.AddBatch)
                {
                    await campaign.AddProspectsAsync(BenchCampaigns.Prospects(id, from, Math.Min(BenchCampaigns.AddBatch, o.PoolProspects - from)));
                }
                return (campaign, id, seats);
            }
            var weldedHealthy = await Create($"pl{run}wh", [healthy]);
            var weldedTrips = await Create($"pl{run}wt", [trips]);
            var pooled = await Create($"pl{run}p", pool);

            // 12a: the same campaign welded to one account, twice at once: on a seat with credits (the best welding
            // can do) and on one that runs out like the pool's tripping seats (what welding does today).
            var welded = await TrialAsync(world, ledger, cpu, "12a welded", [weldedHealthy, weldedTrips]);
            var (baseline, baselineTrips) = (welded[0], welded[1]);
            var pooledTrial = (await TrialAsync(world, ledger, cpu, "12 pool", [pooled]))[0];
            var (warnings, errors) = world.Logs.Take();

            summary.Set(new Figure("12a", HarnessSummary.TitleOf("12a"),
                $"{baseline.Delivered:#,0} InMails in {o.PoolWindow.TotalSeconds:0} s from a seat with credits (possible {baseline.Possible:#,0}); " +
                $"welded to a seat that trips after {o.PoolCredits}: {baselineTrips.Delivered:#,0}, then {baselineTrips.WaitingCredits:#,0} prospects waiting InMailCreditsExhausted",
                "", null, "", Verdict.Baseline));
            var p = pooledTrial;
            var problems = new List<string>();
            if (p.AfterTrip > 0)
            {
                problems.Add($"{p.AfterTrip} dispatches reached tripped seats after their trip");
            }
            if (p.Duplicates > 0)
            {
                problems.Add($"{p.Duplicates} duplicate sends");
            }
            if (p.CapExceeded > 0)
            {
                problems.Add($"{p.CapExceeded} seats over their cap");
            }
            summary.Set(new Figure("12", HarnessSummary.TitleOf("12"),
                $"{p.Delivered:#,0} InMails in {o.PoolWindow.TotalSeconds:0} s from {p.SeatsUsed} of {n} seats ({p.Tripped} of {tripping} tripping seats tripped), " +
                $"{(baseline.Delivered > 0 ? p.Delivered / (double)baseline.Delivered : 0):0.0}× the welded campaign; {p.SkipEvents} skip events, " +
                $"{p.AfterTrip} dispatches to tripped seats after their trip, {p.Duplicates} duplicate sends, {p.WaitingCredits} prospects waiting InMailCreditsExhausted" +
                (problems.Count > 0 ? $" ({string.Join("; ", problems)})" : "") + Diagnostic,
                $"possible {p.Possible:#,0}; welded {baseline.Delivered:#,0}", p.OfPossible, $"≥ {PoolTarget:0.0} × possible, 0 after-trip dispatches, 0 duplicates",
                p.OfPossible >= PoolTarget && problems.Count == 0 ? Verdict.Pass : Verdict.Miss));

            var slice = SliceSeconds;
            summary.Detail("12. A pool whose seats trip mid-run (section pools)", $"""
                {pg.Settings}. One silo on `UseBreakerPostgres`, `Dispatch:AutoDispatch` true, `Dispatch:MinInterval` {o.PoolInterval.TotalSeconds:0.##} s
                without jitter, {Batching}, the system clock, the in-process
                simulated LinkedIn. Every seat: InMail daily cap {o.PoolCap} (weekly {o.PoolCap * 5}), other actions uncapped, Europe/Paris.
                {tripping} of the pool's {n} seats (spread evenly over its order) have {o.PoolCredits} InMail
                credits, so LinkedIn answers "Not enough credits" to their {o.PoolCredits + 1}th send; the others have plenty. One campaign of {o.PoolProspects:#,0} prospects,
                one InMail step, created paused, then activated for {o.PoolWindow.TotalSeconds:0} s (deliveries counted at the upstream over that window) and paused.
                12a ran first: the same campaign twice, each welded to one account, at once (a seat with credits; a seat with {o.PoolCredits}). **Possible** is the sum over
                the seats of the least of: the daily cap ({o.PoolCap}), the pacing allowance over the window (⌊{o.PoolWindow.TotalSeconds:0} s / {o.PoolInterval.TotalSeconds:0.##} s⌋ + 1),
                and a tripping seat's credits ({o.PoolCredits}). Skip events are the campaign's activity (`Skipped`), dispatches after a trip are
                `IAccountGrain.DispatchAsync` InMail calls that began on a seat after the call its breaker tripped on returned (a grain call filter),
                duplicates are prospects LinkedIn delivered an InMail to more than once (any seat).

                | campaign | delivered | possible | of possible | seats that sent | tripped | dispatches after trip | upstream calls after trip | duplicates | sent / skipped (counters) | skip events (prospects; other text) | waiting InMailCreditsExhausted (earliest resume) | seats over cap | degraded at the end | CPU own/PG/other |
                |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
                {Row("welded, seat with credits", baseline)}
                {Row($"welded, seat with {o.PoolCredits} credits", baselineTrips)}
                {Row($"pool of {n}", p)}

                Deliveries per {slice} s of the window (pool): {string.Join(", ", p.Slices)}; welded with credits: {string.Join(", ", baseline.Slices)}.

                Where the pool campaign's time went (grain call filter on the silo, over the window): {p.Work.Describe(o.PoolWindow)}.
                Welded (both campaigns): {baseline.Work.Describe(o.PoolWindow)}.
                Silo warnings/errors over the section: {warnings}/{errors} (each breaker trip logs one warning, by design).
                """);
        }
        finally
        {
            await BenchCluster.StopAsync(cluster);
        }
    }

    private int SliceSeconds => o.PoolWindow.TotalSeconds >= 30 ? 10 : 1;

    private static string Row(string name, Trial t) =>
        $"| {name} | **{t.Delivered:#,0}** | {t.Possible:#,0} | {t.OfPossible:0.00} | {t.SeatsUsed} of {t.Seats.Count} | {t.Tripped} | {t.AfterTrip} | {t.UpstreamAfterTrip} | {t.Duplicates} | " +
        $"{t.Sent:#,0} / {t.Skipped:#,0} | {t.SkipEvents:#,0} ({t.SkippedProspects:#,0}; {t.OtherSkipText}) | {t.WaitingCredits:#,0} ({t.EarliestResume?.ToString("u") ?? "-"}) | {t.CapExceeded} | " +
        $"{(t.Degraded ? "yes" : "no")} | {t.Cpu.Text} |";

    /// <summary>Activates the campaigns together, counts each one's deliveries over the window, pauses them and reads what they show.</summary>
    private async Task<Trial[]> TrialAsync(BenchWorld world, PoolLedger ledger, CpuMeter cpu, string name,
        IReadOnlyList<(ICampaignGrain Grain, string Id, IReadOnlyList<Seat> Pool)> campaigns)
    {
        int DeliveredBy(Seat s) => world.LinkedIn.View(s.Account.Id).Delivered.GetValueOrDefault(ActionType.InMail);
        long Sum() => campaigns.Sum(c => c.Pool.Sum(s => (long)DeliveredBy(s)));
        var duplicatesBefore = ledger.Duplicates;
        var work = ledger.Take();
        reporter.Line($"{name}: activating {campaigns.Count} campaign(s) for {o.PoolWindow.TotalSeconds:0} s");
        var cpuFrom = cpu.Take();
        var began = Stopwatch.GetTimestamp();
        await Task.WhenAll(campaigns.Select(c => c.Grain.ConfigureAsync(InMailCampaign(c.Pool, active: true))));
        var slices = campaigns.Select(_ => new List<long>()).ToArray();
        var last = campaigns.Select(c => 0L).ToArray();
        var slice = TimeSpan.FromSeconds(SliceSeconds);
        for (var k = 1; Stopwatch.GetElapsedTime(began) < o.PoolWindow; k++)
        {
            var wait = TimeSpan.FromTicks(Math.Min((slice * k - Stopwatch.GetElapsedTime(began)).Ticks, (o.PoolWindow - Stopwatch.GetElapsedTime(began)).Ticks));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            for (var c = 0; c < campaigns.Count; c++)
            {
                var now = campaigns[c].Pool.Sum(s => (long)DeliveredBy(s));
                slices[c].Add(now - last[c]);
                last[c] = now;
            }
            reporter.Line($"  {name}: {Stopwatch.GetElapsedTime(began).TotalSeconds,5:0.0} s, {Sum():#,0} InMails delivered");
        }
        var delivered = campaigns.Select(c => c.Pool.ToDictionary(s => s, s => (long)DeliveredBy(s))).ToArray();
        var usage = cpu.Take().Minus(cpuFrom);
        var done = ledger.Take().Minus(work);
        // Read while still active: a paused campaign shows every open prospect as waiting with CampaignPaused.
        var ends = await Task.WhenAll(campaigns.Select(async c => (View: await c.Grain.GetViewAsync(), Waiting: await WaitingOnCreditsAsync(c.Grain))));
        await Task.WhenAll(campaigns.Select(c => c.Grain.ConfigureAsync(InMailCampaign(c.Pool, active: false))));
        await Task.Delay(o.Quick ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(1));

        var trials = new Trial[campaigns.Count];
        for (var c = 0; c < campaigns.Count; c++)
        {
            var (grain, id, pool) = campaigns[c];
            var (view, (waiting, earliest)) = ends[c];
            var (skips, skipped, otherText) = await SkipsAsync(grain);
            var tripped = pool.Where(s => s.Trips && world.LinkedIn.View(s.Account.Id).Calls.GetValueOrDefault(ActionType.InMail) > o.PoolCredits).ToList();
            var upstreamAfter = tripped.Sum(s => Math.Max(0, world.LinkedIn.View(s.Account.Id).Calls.GetValueOrDefault(ActionType.InMail) - o.PoolCredits - 1L));
            var afterTrip = pool.Sum(s => ledger.Of(s.Account.Key).AfterTrip);
            var sent = delivered[c];
            trials[c] = new Trial(id, pool, sent.Values.Sum(), pool.Sum(PossibleOf), tripped.Count, afterTrip, upstreamAfter,
                ledger.Duplicates - duplicatesBefore, view.Counters.Sent, view.Counters.Skipped, skips, skipped, otherText, waiting, earliest,
                sent.Count(kv => kv.Value > o.PoolCap), sent.Count(kv => kv.Value > 0), usage, done, slices[c], view.Degraded);
            reporter.Line($"  {name} {id}: {trials[c].Delivered:#,0} delivered of {trials[c].Possible:#,0} possible ({trials[c].OfPossible:0.00}); " +
                $"{tripped.Count} seats tripped, {afterTrip} dispatches after a trip, {trials[c].Duplicates} duplicates, {skips} skip events, {waiting} waiting InMailCreditsExhausted; CPU {usage.Text}");
        }
        reporter.Line($"  {name}: {done.Describe(o.PoolWindow)}");
        return trials;
    }

    private static async Task<(int Count, DateTimeOffset? Earliest)> WaitingOnCreditsAsync(ICampaignGrain campaign)
    {
        var count = 0;
        DateTimeOffset? earliest = null;
        string? after = null;
        do
        {
            var page = await campaign.ListProspectsAsync(new ProspectQuery { Status = ProspectStatus.Waiting, Reason = Reason.InMailCreditsExhausted, Limit = Page, After = after });
            count += page.Items.Count;
            foreach (var at in page.Items.Select(p => p.ResumeAt).Where(t => t is not null))
            {
                earliest = earliest is { } e && e <= at ? e : at;
            }
            after = page.Next;
        }
        while (after is not null);
        return (count, earliest);
    }

    /// <summary>The campaign's skip events: how many, for how many prospects, and how many not in the article's InMail text.</summary>
    private static async Task<(int Events, int Prospects, int OtherText)> SkipsAsync(ICampaignGrain campaign)
    {
        var events = 0;
        var other = 0;
        var prospects = new HashSet<string>(StringComparer.Ordinal);
        long? before = null;
        do
        {
            var page = await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Skipped, Limit = Page, Before = before });
            events += page.Items.Count;
            other += page.Items.Count(e => e.Text != ActivityText.InMailCreditsExhaustedSkip);
            prospects.UnionWith(page.Items.Select(e => e.ProspectId ?? ""));
            before = page.Next;
        }
        while (before is not null);
        return (events, prospects.Count, other);
    }

    // ---------------------------------------------------------------- figure 13

    private sealed record Phase(string Name, int Campaigns, long Prospects, BulkResult Activate, long Delivered, TimeSpan Window, CpuMeter.Usage Cpu,
        DbStats.Snapshot Db, StorageMeter.Snapshot Storage, EventLogMeter.Snapshot Log, PoolLedger.Work Work, long Left, long Duplicates)
    {
        public double Rate => Delivered / Window.TotalSeconds;
    }

    private async Task DispatchAsync(BenchPostgres pg, NpgsqlDataSource dataSource, DbStats stats, CpuMeter cpu)
    {
        using var world = new BenchWorld(TimeProvider.System, pg.ConnectionString);
        var ledger = world.Upstream.Ledger = new PoolLedger();
        Configure(world);
        reporter.Line($"pools: starting a 1-silo cluster on PostgreSQL, campaign timers on, pacing off, {Batching}");
        var cluster = await BenchCluster.StartAsync(world, 1);
        try
        {
            var grains = cluster.Client;
            var flush = BenchPostgres.Flusher(cluster, dataSource);
            var run = world.Id[..4];
            var size = o.PoolSize;
            var n = o.PoolDispatchAccounts / size * size;
            // Workspaces hold whole pools: a pool's accounts are of one workspace.
            var perWorkspace = Math.Max(size, o.AccountsPerWorkspace / size * size);
            var singles = BenchAccounts.Create($"ps{run}", n, perWorkspace);
            var pooled = BenchAccounts.Create($"pp{run}", n, perWorkspace);
            var all = singles.Concat(pooled).ToArray();
            var order = BenchCampaigns.AcrossWorkspaces(all.Length, i => all[i].Workspace);
            var configure = await Load.ForEachAsync("13 configure accounts", all.Length, o.Concurrency,
                i => grains.GetGrain<IAccountGrain>(all[order[i]].Key).ConfigureAsync(BenchAccounts.Generous), reporter);

            var k = o.PoolDispatchProspects;
            var singleCampaigns = singles.Select(a => (Key: BenchCampaigns.Key(a, a.Id + "c"), Id: a.Id + "c",
                Settings: BenchCampaigns.Settings(a, active: false), Prospects: k)).ToArray();
            var poolCampaigns = Enumerable.Range(0, n / size).Select(j =>
            {
                var members = pooled[(j * size)..((j + 1) * size)];
                var id = $"pp{run}c{j:D5}";
                return (Key: GrainKeys.Scoped(members[0].Workspace, id), Id: id,
                    Settings: new CampaignSettings { AccountIds = [.. members.Select(a => a.Id)], Steps = [new StepDefinition(ActionType.Message)], Active = false },
                    Prospects: k * size);
            }).ToArray();
            foreach (var (label, campaigns) in new[] { ("single-account", singleCampaigns), ("pool", poolCampaigns) })
            {
                await Load.ForEachAsync($"13 create {campaigns.Length:#,0} {label} campaigns (paused)", campaigns.Length, o.Concurrency, async i =>
                {
                    var c = campaigns[i];
                    var campaign = grains.GetGrain<ICampaignGrain>(c.Key);
                    await campaign.ConfigureAsync(c.Settings);
                    for (var from = 0; from < c.Prospects; from += BenchCampaigns.AddBatch)
                    {
                        await campaign.AddProspectsAsync(BenchCampaigns.Prospects(c.Id, from, Math.Min(BenchCampaigns.AddBatch, c.Prospects - from)));
                    }
                }, reporter);
            }

            async Task<Phase> Measure(string name, (string Key, string Id, CampaignSettings Settings, int Prospects)[] campaigns)
            {
                var deliveredAtStart = world.Upstream.Delivered;
                var duplicatesBefore = ledger.Duplicates;
                var activate = await Load.ForEachAsync($"{name} activate {campaigns.Length:#,0} campaigns", campaigns.Length, o.Concurrency,
                    i => grains.GetGrain<ICampaignGrain>(campaigns[i].Key).ConfigureAsync(campaigns[i].Settings with { Active = true }), reporter);
                await Task.Delay(o.Warmup);
                var dbBefore = await stats.TakeAsync(flush);
                var (storage, log, work) = (world.Storage.Take(), world.EventLog.Take(), ledger.Take());
                var cpuFrom = cpu.Take();
                var (delivered, window) = await BenchCampaigns.CountDeliveriesAsync(world.Upstream, o.Duration, TimeSpan.FromSeconds(5), name, reporter);
                var usage = cpu.Take().Minus(cpuFrom);
                var (storageAfter, logAfter, workAfter) = (world.Storage.Take(), world.EventLog.Take(), ledger.Take());
                var db = (await stats.TakeAsync(flush)).Minus(dbBefore);
                var total = campaigns.Sum(c => (long)c.Prospects);
                var left = total - (world.Upstream.Delivered - deliveredAtStart);
                await Load.ForEachAsync($"{name} pause campaigns", campaigns.Length, o.Concurrency,
                    i => grains.GetGrain<ICampaignGrain>(campaigns[i].Key).ConfigureAsync(campaigns[i].Settings), reporter);
                var phase = new Phase(name, campaigns.Length, total, activate, delivered, window, usage, db, storageAfter.Minus(storage), logAfter.Minus(log),
                    workAfter.Minus(work), left, ledger.Duplicates - duplicatesBefore);
                reporter.Line($"  {name}: {phase.Rate:#,0} deliveries/s; CPU cores own/PG/other {usage.Text}; {db.StatementCalls / (double)Math.Max(1, delivered):0.00} statements per delivery; " +
                    $"{workAfter.Minus(work).Describe(window)}; {left:#,0} of {total:#,0} prospects not yet sent");
                return phase;
            }

            var single = await Measure("13a single-account", singleCampaigns);
            var pools = await Measure($"13 pools of {size}", poolCampaigns);
            var (warnings, errors) = world.Logs.Take();

            string Dry(Phase p) => p.Left <= 0 ? " (ran dry within the window: a lower bound)" : "";
            summary.Set(new Figure("13a", HarnessSummary.TitleOf("13a"),
                $"{single.Rate:#,0} deliveries/s ({single.Campaigns:#,0} campaigns over {n:#,0} accounts, {single.Prospects:#,0} prospects){Dry(single)}; " +
                $"{PerDelivery(single.Db.StatementCalls, single.Delivered):0.00} statements, {PerDelivery(single.Storage.Calls[(int)StorageMeter.Op.Write], single.Delivered):0.00} grain-state writes per delivery",
                "", null, "", Verdict.Baseline));
            var ratio = single.Rate > 0 ? pools.Rate / single.Rate : 0;
            var dup = single.Duplicates + pools.Duplicates;
            summary.Set(new Figure("13", HarnessSummary.TitleOf("13"),
                $"{pools.Rate:#,0} deliveries/s ({pools.Campaigns:#,0} campaigns over pools of {size}, {n:#,0} accounts, {pools.Prospects:#,0} prospects){Dry(pools)}; " +
                $"{PerDelivery(pools.Db.StatementCalls, pools.Delivered):0.00} statements, {PerDelivery(pools.Storage.Calls[(int)StorageMeter.Op.Write], pools.Delivered):0.00} grain-state writes per delivery" +
                (dup > 0 ? $"; {dup} duplicate sends" : "") + Diagnostic,
                $"13a single-account: {single.Rate:#,0}/s", ratio, $"≥ {DispatchTarget:0.0} × baseline", ratio >= DispatchTarget && dup == 0 ? Verdict.Pass : Verdict.Miss));

            summary.Detail("13. Pool assignment next to single-account dispatch (section pools)", $"""
                {pg.Settings}. A second single-silo cluster on `UseBreakerPostgres`, `Dispatch:AutoDispatch` true, pacing off (`MinInterval` 0, as figure 8),
                {Batching}, the system clock. {all.Length:#,0} accounts configured in {configure.Elapsed.TotalSeconds:0.0} s
                ({configure.Errors} errors), in workspaces of {perWorkspace}: {n:#,0} for 13a, {n:#,0} others for 13. 13a: {single.Campaigns:#,0} campaigns, one per account, {k} prospects
                each; 13: {pools.Campaigns:#,0} campaigns over pools of {size} (consecutive accounts of one workspace), {k * size:#,0} prospects each: the same accounts
                and prospects in number. One Message step. Each phase: campaigns created paused with their prospects, activated ({o.Concurrency} `ConfigureAsync` at a time),
                {o.Warmup.TotalSeconds:0.#} s, then deliveries counted at the upstream over {o.Duration.TotalSeconds:0.#} s; then paused. 13a ran first.

                | phase | activation | deliveries/s | CPU own/PG/other | statements per delivery | commits per delivery | rows inserted / updated per delivery | grain-state writes per delivery | event-log appends per delivery | campaign runs | prospects left | duplicates |
                |---|---|---|---|---|---|---|---|---|---|---|---|
                {PhaseRow(single)}
                {PhaseRow(pools)}

                Database work per delivery, 13a ({single.Delivered:#,0} deliveries):

                {single.Db.Describe(Math.Max(1, single.Delivered), "delivery", stats.HasStatements)}
                Database work per delivery, 13 ({pools.Delivered:#,0} deliveries):

                {pools.Db.Describe(Math.Max(1, pools.Delivered), "delivery", stats.HasStatements)}
                - Grain storage per delivery: 13a {single.Storage.PerOperation(single.Delivered)}; 13 {pools.Storage.PerOperation(pools.Delivered)}.
                - Silo warnings/errors over the section: {warnings}/{errors}.
                """);
        }
        finally
        {
            await BenchCluster.StopAsync(cluster);
        }
    }

    private static double PerDelivery(long count, long delivered) => count / (double)Math.Max(1, delivered);

    private static string PhaseRow(Phase p) =>
        $"| {p.Name} | {p.Activate.Elapsed.TotalSeconds:0.0} s ({p.Activate.Errors} errors) | **{p.Rate:#,0}** | {p.Cpu.Text} | {PerDelivery(p.Db.StatementCalls, p.Delivered):0.00} | " +
        $"{PerDelivery(p.Db.Commits, p.Delivered):0.00} | {PerDelivery(p.Db.Inserted, p.Delivered):0.00} / {PerDelivery(p.Db.Updated, p.Delivered):0.00} | " +
        $"{PerDelivery(p.Storage.Calls[(int)StorageMeter.Op.Write], p.Delivered):0.00} | {PerDelivery(p.Log.Appended, p.Delivered):0.00} | {p.Work.Describe(p.Window)} | {p.Left:#,0} | {p.Duplicates} |";
}
