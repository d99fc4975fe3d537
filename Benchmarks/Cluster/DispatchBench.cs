using OrleansBreaker.Upstream;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Figures 1-3 on one single-silo cluster of the embedded default (memory storage, reminders and
/// event log; the in-process simulated LinkedIn; pacing off): the empty call, dispatches, and
/// dispatches that meet an open InMail breaker, all at the same concurrency over the same accounts.
/// </summary>
internal sealed class DispatchBench(HarnessOptions o, Reporter reporter, HarnessSummary summary)
{
    public async Task RunAsync()
    {
        using var world = new BenchWorld(TimeProvider.System);
        reporter.Line("dispatch (memory): starting a 1-silo cluster");
        var cluster = await BenchCluster.StartAsync(world, 1);
        try
        {
            var grains = cluster.Client;
            var accounts = BenchAccounts.Create("m", o.Accounts, o.AccountsPerWorkspace);
            var n = accounts.Length;

            await Load.ForEachAsync("activate ping grains", n, o.Concurrency, i => grains.GetGrain<IPingGrain>(accounts[i].Key).PingAsync(), reporter);
            var ping = await Load.RunAsync("1 empty call", o.Concurrency, o.Warmup, o.Duration,
                async i => { await grains.GetGrain<IPingGrain>(accounts[i % n].Key).PingAsync(); return "ok"; }, reporter);
            summary.Set(new Figure("1", HarnessSummary.TitleOf("1"), ping.Brief, "", null, "", Verdict.Baseline));

            var configured = await Load.ForEachAsync("configure accounts", n, o.Concurrency,
                i => grains.GetGrain<IAccountGrain>(accounts[i].Key).ConfigureAsync(BenchAccounts.Generous), reporter);

            async Task<string> Dispatch(string prefix, long i, ActionType action) => BenchAccounts.Label(
                await grains.GetGrain<IAccountGrain>(accounts[i % n].Key).DispatchAsync(BenchAccounts.Command($"{prefix}{i}", action)));

            var meter = Meters.Start(world);
            var dispatch = await Load.RunAsync("2 dispatch", o.Concurrency, o.Warmup, o.Duration, i => Dispatch("d", i, ActionType.Message), reporter);
            var dispatchMeters = meter();
            var allSent = dispatch.Outcomes.Keys.All(k => k == "Sent") && dispatch.Errors == 0;
            summary.Set(Compare("2", dispatch, ping, 0.25, allSent ? null : "not all Sent"));

            LoadResult? dispatchBypassed = null, storeBypassed = null;
            Meters? dispatchBypassedMeters = null, storeBypassedMeters = null;
            if (o.Breakdown)
            {
                world.EventLog.Bypass = true;
                meter = Meters.Start(world);
                dispatchBypassed = await Load.RunAsync("2' dispatch, event log bypassed", o.Concurrency, o.Warmup, o.Duration, i => Dispatch("db", i, ActionType.Message), reporter);
                dispatchBypassedMeters = meter();
                world.EventLog.Bypass = false;
            }

            // Trip InMail on every account: LinkedIn answers "Not enough credits" to one InMail each.
            foreach (var a in accounts)
            {
                world.LinkedIn.Configure(a.Id, new SimulatedAccountSettings { InMailCredits = 0 });
            }
            long tripped = 0;
            var trip = await Load.ForEachAsync("trip InMail breakers", n, o.Concurrency, async i =>
            {
                var r = await grains.GetGrain<IAccountGrain>(accounts[i].Key).DispatchAsync(BenchAccounts.Command($"t{i}", ActionType.InMail));
                if (r.Status == DispatchStatus.Skipped && r.Outcome == OutcomeClass.CreditsExhausted)
                {
                    Interlocked.Increment(ref tripped);
                }
            }, reporter);

            var upstreamBefore = world.Upstream.Calls;
            var logSize = world.EventLog.Appended;
            meter = Meters.Start(world);
            var skip = await Load.RunAsync("3 skip", o.Concurrency, o.Warmup, o.Duration, i => Dispatch("s", i, ActionType.InMail), reporter);
            var skipMeters = meter();
            var skipUpstream = world.Upstream.Calls - upstreamBefore;
            var allSkipped = skip.Outcomes.Keys.All(k => k == "Skipped/InMailCreditsExhausted") && skip.Errors == 0 && skipUpstream == 0;
            summary.Set(Compare("3", skip, ping, 0.5, allSkipped ? null : "not all Skipped before LinkedIn"));

            LoadResult? skipBypassed = null;
            Meters? skipBypassedMeters = null;
            if (o.Breakdown)
            {
                world.EventLog.Bypass = true;
                meter = Meters.Start(world);
                skipBypassed = await Load.RunAsync("3' skip, event log bypassed", o.Concurrency, o.Warmup, o.Duration, i => Dispatch("sb", i, ActionType.InMail), reporter);
                skipBypassedMeters = meter();
                world.EventLog.Bypass = false;

                // Last: the bypassed writes leave the store behind the grains' ETags, so every account's
                // next real write fails its version check (and the account deactivates, as it should).
                world.Storage.Bypass = true;
                meter = Meters.Start(world);
                storeBypassed = await Load.RunAsync("2'' dispatch, grain store bypassed", o.Concurrency, o.Warmup, o.Duration, i => Dispatch("dsb", i, ActionType.Message), reporter);
                storeBypassedMeters = meter();
            }

            var (warnings, errors) = world.Logs.Take();
            var rows = Rows(Row(ping), Row(dispatch, dispatchMeters), dispatchBypassed is null ? null : Row(dispatchBypassed, dispatchBypassedMeters),
                storeBypassed is null ? null : Row(storeBypassed, storeBypassedMeters), Row(skip, skipMeters), skipBypassed is null ? null : Row(skipBypassed, skipBypassedMeters));
            summary.Detail("1-3. Empty call, dispatch and skip on memory storage", $"""
                One silo (TestingHost, in this process), memory grain storage and reminders, the in-memory event log, the in-process
                simulated LinkedIn, `Dispatch:MinInterval` 0. {n:#,0} accounts in workspaces of {o.AccountsPerWorkspace}, caps
                {BenchAccounts.Generous.Limits![ActionType.Message].Daily:#,0}/day, zone {BenchAccounts.Generous.TimeZone}. Each figure: {o.Concurrency} calls in
                flight from the cluster client, round-robin over the accounts, a unique idempotency key per call.

                {TableHead}
                {rows}

                - Set-up: ping activation, {configured.Count:#,0} accounts configured in {configured.Elapsed.TotalSeconds:0.0} s ({configured.PerSecond:#,0}/s, {configured.Errors} errors);
                  {tripped:#,0}/{n:#,0} InMail breakers tripped in {trip.Elapsed.TotalSeconds:0.0} s ({trip.PerSecond:#,0}/s).
                - Event log size when the skip phase began: {logSize:#,0} events (every dispatch appends one `Sent`).
                - Upstream calls during the skip phase: {skipUpstream:#,0} (must be 0: skips happen before LinkedIn).
                - Rows marked ' bypass the event log, the row marked '' the memory grain store's call to its storage grain
                  (the state is still serialised): diagnostics of what each costs; the product never runs so.
                - Silo warnings/errors logged over the section: {warnings}/{errors} (each breaker trip logs one warning, by design).
                """);
        }
        finally
        {
            await BenchCluster.StopAsync(cluster);
        }
    }

    internal static Figure Compare(string id, LoadResult measured, LoadResult baseline, double target, string? problem)
    {
        var ratio = baseline.PerSecond > 0 ? measured.PerSecond / baseline.PerSecond : 0;
        var verdict = problem is null && ratio >= target ? Verdict.Pass : Verdict.Miss;
        return new Figure(id, HarnessSummary.TitleOf(id), measured.Brief + (problem is null ? "" : $" ({problem}: {measured.OutcomeText})"),
            $"{baseline.Name}: {baseline.PerSecond:#,0}/s", ratio, $"≥ {target:0.00} × baseline", verdict);
    }

    internal static string Rows(params string?[] rows) => string.Join("\n", rows.Where(r => r is not null));

    internal const string TableHead = """
        | phase | calls/s | p50 ms | p99 ms | max ms | outcomes | event log per call | grain storage per call | CPU cores: own / PG / other |
        |---|---|---|---|---|---|---|---|---|
        """;

    internal static string Row(LoadResult r, Meters? m = null) =>
        $"| {r.Name} | {r.PerSecond:#,0} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.MaxMs:0.0} | {r.OutcomeText} | " +
        $"{(m is null ? "-" : m.Log.PerOperation(r.TotalOperations))} | {(m is null ? "-" : m.Storage.PerOperation(r.TotalOperations))} | {r.Cpu?.Text ?? "-"} |";

    /// <summary>What the world's meters saw over one load phase.</summary>
    internal sealed record Meters(EventLogMeter.Snapshot Log, StorageMeter.Snapshot Storage)
    {
        public static Func<Meters> Start(BenchWorld world)
        {
            var (log, storage) = (world.EventLog.Take(), world.Storage.Take());
            return () => new Meters(world.EventLog.Take().Minus(log), world.Storage.Take().Minus(storage));
        }
    }
}
