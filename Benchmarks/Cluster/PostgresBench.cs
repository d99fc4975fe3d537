using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Orleans.TestingHost;
using OrleansBreaker.Accounts;
using OrleansBreaker.Hosting;
using OrleansBreaker.Testing;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Figures 4 and 7 on the product's PostgreSQL set-up (<c>UseBreakerPostgres</c>: ADO.NET clustering,
/// grain storage and reminders; the PostgreSQL event log), with a fake product clock so the monthly
/// reset can be reached: a plain Npgsql insert rate and persisted dispatches on the same database at
/// the same concurrency, then the reset of every account's tripped InMail breaker.
/// </summary>
internal sealed class PostgresBench(HarnessOptions o, Reporter reporter, HarnessSummary summary)
{
    /// <summary>Half an hour before a monthly reset (a Monday, in a month of 30 days).</summary>
    private static readonly DateTimeOffset ClockStart = new(2026, 11, 30, 23, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan ResetTarget = TimeSpan.FromMinutes(2);

    public async Task RunAsync()
    {
        BenchPostgres pg;
        try
        {
            pg = o.PostgresConnectionString is { } given ? BenchPostgres.External(given) : await BenchPostgres.StartAsync(o.PostgresFast, reporter);
        }
        catch (PostgresUnavailableException ex)
        {
            foreach (var id in new[] { "4a", "4", "7" })
            {
                summary.NotAvailable(id, $"not available: {ex.Message}");
            }
            return;
        }
        await using var _ = pg;
        await using var dataSource = new NpgsqlDataSourceBuilder(
            // The raw insert's connections are tuned like the silo's (prepared statements, no pool reset): a fair baseline.
            PostgresConnection.WithBreakerDefaults(new NpgsqlConnectionStringBuilder(pg.ConnectionString) { MaxPoolSize = Math.Max(100, o.Concurrency + 16) }.ConnectionString)).Build();
        // Backends report to pg_stat_database at exit (after the pool flush) and at most once a second.
        var stats = new DbStats(dataSource, o.Quick ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMilliseconds(1500));
        var cpu = new CpuMeter(pg.PostmasterPid);
        await stats.InitAsync();
        string version;
        await using (var v = dataSource.CreateCommand($"{DbStats.Marker} SELECT current_setting('server_version')"))
        {
            version = (string)(await v.ExecuteScalarAsync())!;
        }
        await using (var scratch = dataSource.CreateCommand($"""
            {DbStats.Marker} CREATE TABLE IF NOT EXISTS bench_raw_insert
            (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL, workspace_id text NOT NULL,
             account_id text NOT NULL, key text NOT NULL, text text NULL)
            """))
        {
            await scratch.ExecuteNonQueryAsync();
        }

        // Live: the product's simulation clock at real speed, started early enough for set-up and trips.
        var liveSpread = TimeSpan.FromSeconds(20);
        TimeProvider clock = o.ResetLive
            ? new SimulationTimeProvider(ResetCalendar.NextReset(ClockStart) - TimeSpan.FromSeconds(25 + o.Accounts / 150.0))
            : new FakeTimeProvider(ClockStart);
        using var world = new BenchWorld(clock, pg.ConnectionString) { ReminderRefresh = o.ReminderRefresh };
        if (o.ResetLive)
        {
            world.Settings["Dispatch:ResetSpread"] = liveSpread.ToString();
        }
        reporter.Line("postgres: starting a 1-silo cluster on PostgreSQL");
        var cluster = await BenchCluster.StartAsync(world, 1);
        try
        {
            var grains = cluster.Client;
            var run = world.Id[..4];
            var accounts = BenchAccounts.Create($"pg{run}", o.Accounts, o.AccountsPerWorkspace);
            var n = accounts.Length;
            var siloDataSource = BenchCluster.SiloService<NpgsqlDataSource>(cluster.Silos[0]);
            void Flush()
            {
                NpgsqlConnection.ClearAllPools(); // any pool opened from a connection string
                siloDataSource.Clear();           // the silo's one data source (providers, event log, prospects)
                dataSource.Clear();
            }

            var configure = await Load.ForEachAsync("configure accounts", n, o.Concurrency,
                i => grains.GetGrain<IAccountGrain>(accounts[i].Key).ConfigureAsync(BenchAccounts.Generous), reporter);

            if (o.ResetLive)
            {
                summary.NotAvailable("4a", "skipped (--reset-live)");
                summary.NotAvailable("4", "skipped (--reset-live)");
                await ResetAsync(cluster, world, clock, accounts, stats, dataSource, Flush, cpu, liveSpread);
                return;
            }
            var rawBefore = await stats.TakeAsync(Flush);
            var raw = await Load.RunAsync("4a raw insert", o.Concurrency, o.Warmup, o.Duration, async i =>
            {
                await using var insert = dataSource.CreateCommand("INSERT INTO bench_raw_insert (at, workspace_id, account_id, key, text) VALUES ($1, $2, $3, $4, $5)");
                var a = accounts[i % n];
                insert.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
                insert.Parameters.Add(new NpgsqlParameter { Value = a.Workspace });
                insert.Parameters.Add(new NpgsqlParameter { Value = a.Id });
                insert.Parameters.Add(new NpgsqlParameter { Value = $"raw/{i}" });
                insert.Parameters.Add(new NpgsqlParameter { Value = "Sent: Message" });
                await insert.ExecuteNonQueryAsync();
                return "ok";
            }, reporter, cpu);
            var rawDb = (await stats.TakeAsync(Flush)).Minus(rawBefore);
            summary.Set(new Figure("4a", HarnessSummary.TitleOf("4a"), raw.Brief, "", null, "", Verdict.Baseline));

            async Task<string> Dispatch(string prefix, long i, ActionType action) => BenchAccounts.Label(
                await grains.GetGrain<IAccountGrain>(accounts[i % n].Key).DispatchAsync(BenchAccounts.Command($"{prefix}{i}", action)));

            var before = await stats.TakeAsync(Flush);
            var meter = DispatchBench.Meters.Start(world);
            var dispatch = await Load.RunAsync("4 dispatch (PostgreSQL)", o.Concurrency, o.Warmup, o.Duration, i => Dispatch("d", i, ActionType.Message), reporter, cpu);
            var dispatchMeters = meter();
            var dispatchDb = (await stats.TakeAsync(Flush)).Minus(before);
            var allSent = dispatch.Outcomes.Keys.All(k => k == "Sent") && dispatch.Errors == 0;
            summary.Set(DispatchBench.Compare("4", dispatch, raw, 0.5, allSent ? null : "not all Sent"));

            LoadResult? bypassed = null;
            DispatchBench.Meters? bypassedMeters = null;
            if (o.Breakdown)
            {
                world.EventLog.Bypass = true;
                meter = DispatchBench.Meters.Start(world);
                bypassed = await Load.RunAsync("4' dispatch, event log bypassed", o.Concurrency, o.Warmup, o.Duration, i => Dispatch("db", i, ActionType.Message), reporter, cpu);
                bypassedMeters = meter();
                world.EventLog.Bypass = false;
            }

            summary.Detail("4. Persisted dispatch next to a raw insert (PostgreSQL)", $"""
                PostgreSQL {version}: {pg.Settings}. One silo on `UseBreakerPostgres` (ADO.NET clustering, grain storage with the Orleans
                serializer, reminders) and the PostgreSQL event log; {n:#,0} accounts; {o.Concurrency} calls in flight for both rows.
                The raw insert is one autocommitted `INSERT INTO bench_raw_insert (at, workspace_id, account_id, key, text) VALUES (...)`
                per command through one Npgsql data source (pool ≥ concurrency) with the silo's connection settings
                (`PostgresConnection.WithBreakerDefaults`: statements prepared after 2 uses, no `DISCARD ALL` per pooled open).

                {DispatchBench.TableHead}
                {DispatchBench.Rows(DispatchBench.Row(raw), DispatchBench.Row(dispatch, dispatchMeters), bypassed is null ? null : DispatchBench.Row(bypassed, bypassedMeters))}

                Database work per raw insert ({raw.TotalOperations:#,0} inserts, warm-up included; the silo idle meanwhile):

                {rawDb.Describe(raw.TotalOperations, "insert", stats.HasStatements)}
                Database work per persisted dispatch (warm-up and measured window, {dispatch.TotalOperations:#,0} dispatches):

                {dispatchDb.Describe(dispatch.TotalOperations, "dispatch", stats.HasStatements)}
                - Set-up: {configure.Count:#,0} accounts configured in {configure.Elapsed.TotalSeconds:0.0} s ({configure.PerSecond:#,0}/s, {configure.Errors} errors).
                """);

            await ResetAsync(cluster, world, clock, accounts, stats, dataSource, Flush, cpu, ResetCalendar.MaxJitter);
        }
        finally
        {
            await BenchCluster.StopAsync(cluster);
        }
    }

    /// <summary>Figure 7: trip every account's InMail, advance the clock across the reset and its spread, time the resumes.</summary>
    private async Task ResetAsync(TestCluster cluster, BenchWorld world, TimeProvider clock, BenchAccount[] accounts, DbStats stats,
        NpgsqlDataSource dataSource, Action flush, CpuMeter cpu, TimeSpan spread)
    {
        var grains = cluster.Client;
        var n = accounts.Length;
        var prefix = accounts[0].Id[..^6]; // the run's account-id prefix
        foreach (var a in accounts)
        {
            world.LinkedIn.Configure(a.Id, new SimulatedAccountSettings { InMailCredits = 0 });
        }
        long tripped = 0;
        var trippedAt = clock.GetUtcNow();
        var trip = await Load.ForEachAsync("7 trip InMail breakers", n, o.Concurrency, async i =>
        {
            var r = await grains.GetGrain<IAccountGrain>(accounts[i].Key).DispatchAsync(BenchAccounts.Command($"t{i}", ActionType.InMail));
            if (r.Status == DispatchStatus.Skipped && r.Outcome == OutcomeClass.CreditsExhausted)
            {
                Interlocked.Increment(ref tripped);
            }
        }, reporter);
        var serviceId = cluster.Options.ServiceId;
        var remindersBefore = await ScalarAsync(dataSource, "SELECT count(*) FROM orleansreminderstable WHERE serviceid = $1", serviceId);
        var seqBefore = await ScalarAsync(dataSource, "SELECT coalesce(max(seq), 0) FROM breaker_events WHERE workspace_id <> $1", "");

        // Let the reminder service finish scheduling the new reminders' timers before the fake clock
        // moves: a timer it schedules while the clock jumps lands late by the jump.
        await Task.Delay(o.Quick ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(2));
        var dbBefore = await stats.TakeAsync(flush);
        world.Logs.Mark();
        var (warningsBefore, errorsBefore) = world.Logs.Take();
        var productWarningsBefore = world.Logs.ProductWarnings;

        var resetAt = ResetCalendar.NextReset(clock.GetUtcNow());
        var spreadEnd = resetAt + spread + TimeSpan.FromSeconds(10);
        DateTimeOffset? crossed = null;
        long crossedTicks = 0;
        var cpuAtCrossing = cpu.Take();
        if (clock is FakeTimeProvider fake)
        {
            reporter.Line($"7 reset: clock {clock.GetUtcNow():u} → {spreadEnd:u}, 10 s steps every {o.ResetStepDelay.TotalMilliseconds:0} ms across the spread");
            while (fake.GetUtcNow() < resetAt - TimeSpan.FromSeconds(10))
            {
                var left = resetAt - TimeSpan.FromSeconds(10) - fake.GetUtcNow();
                fake.Advance(left < TimeSpan.FromMinutes(1) ? left : TimeSpan.FromMinutes(1));
                await Task.Delay(50);
            }
            while (fake.GetUtcNow() < spreadEnd)
            {
                fake.Advance(TimeSpan.FromSeconds(10));
                if (crossed is null && fake.GetUtcNow() >= resetAt)
                {
                    crossed = DateTimeOffset.UtcNow;
                    crossedTicks = Stopwatch.GetTimestamp();
                    cpuAtCrossing = cpu.Take();
                }
                await Task.Delay(o.ResetStepDelay);
            }
        }
        else
        {
            reporter.Line($"7 reset (live clock): now {clock.GetUtcNow():u}, reset at {resetAt:u}, spread {spread.TotalSeconds:0} s");
            if (clock.GetUtcNow() >= resetAt)
            {
                throw new InvalidOperationException($"The live clock passed the reset ({resetAt:u}) before the trips were done; use fewer accounts.");
            }
            while (clock.GetUtcNow() < resetAt)
            {
                await Task.Delay(10);
            }
            crossed = DateTimeOffset.UtcNow;
            crossedTicks = Stopwatch.GetTimestamp();
            cpuAtCrossing = cpu.Take();
            while (clock.GetUtcNow() < spreadEnd)
            {
                await Task.Delay(100);
            }
        }
        var advanced = Stopwatch.GetElapsedTime(crossedTicks);
        reporter.Line($"  clock at {clock.GetUtcNow():u} after {advanced.TotalSeconds:0.0} s; waiting for {tripped:#,0} resumes");

        // Past the target the figure is a MISS whatever happens next; stop waiting a little after it.
        var timeout = o.Quick ? TimeSpan.FromSeconds(10) : ResetTarget + TimeSpan.FromSeconds(30);
        long resumed = 0;
        DateTimeOffset? lastRecorded = null;
        var lastReport = Stopwatch.GetTimestamp();
        var lastPoll = Stopwatch.GetTimestamp();
        while (true)
        {
            // Past the spread the fake clock runs on at real speed, as time does in production.
            if (clock is FakeTimeProvider running)
            {
                var now = Stopwatch.GetTimestamp();
                running.Advance(Stopwatch.GetElapsedTime(lastPoll, now));
                lastPoll = now;
            }
            // The rows appended since the trips (a range of the primary key), so the polling does not
            // weigh on the database it measures. Always from the same lower bound: identity values are
            // drawn before commit, so a row with a lower seq can become visible after a higher one.
            await using (var poll = dataSource.CreateCommand($"""
                {DbStats.Marker} SELECT count(*), max(recorded_at)
                FROM breaker_events WHERE seq > $1 AND kind = 'BreakerCleared' AND action = 'InMail' AND account_id LIKE $2
                """))
            {
                poll.Parameters.Add(new NpgsqlParameter { Value = seqBefore });
                poll.Parameters.Add(new NpgsqlParameter { Value = prefix + "%" });
                await using var reader = await poll.ExecuteReaderAsync();
                await reader.ReadAsync();
                resumed = reader.GetInt64(0);
                lastRecorded = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            }
            if (resumed >= tripped || Stopwatch.GetElapsedTime(crossedTicks) > timeout)
            {
                break;
            }
            if (Stopwatch.GetElapsedTime(lastReport) > TimeSpan.FromSeconds(5))
            {
                reporter.Line($"  7 reset: {resumed:#,0}/{tripped:#,0} resumed after {Stopwatch.GetElapsedTime(crossedTicks).TotalSeconds:0.0} s");
                lastReport = Stopwatch.GetTimestamp();
            }
            await Task.Delay(250);
        }
        var polledDone = Stopwatch.GetElapsedTime(crossedTicks);
        var byLog = lastRecorded is { } last && crossed is { } c ? last - c : (TimeSpan?)null;

        // A view waits for the account's turn: once every view has answered, every reset turn (event,
        // state, reminders) has finished, not only its BreakerCleared event.
        long open = 0, probing = 0;
        var stuck = new System.Collections.Concurrent.ConcurrentBag<BenchAccount>();
        var views = await Load.ForEachAsync("7 account views (waits for every reset turn)", n, o.Concurrency, async i =>
        {
            var state = (await grains.GetGrain<IAccountGrain>(accounts[i].Key).GetViewAsync()).Breakers[ActionType.InMail].State;
            Interlocked.Increment(ref state == BreakerState.Open ? ref open : ref probing);
            if (state == BreakerState.Open)
            {
                stuck.Add(accounts[i]);
            }
        }, reporter);
        var complete = Stopwatch.GetElapsedTime(crossedTicks);
        var cpuUsage = cpu.Take().Minus(cpuAtCrossing);
        var (warningsAfter, errorsAfter) = world.Logs.Take();
        var productWarnings = world.Logs.ProductWarnings - productWarningsBefore;
        var samples = world.Logs.Samples;
        var remindersAfter = await ScalarAsync(dataSource, "SELECT count(*) FROM orleansreminderstable WHERE serviceid = $1", serviceId);
        var dbDelta = (await stats.TakeAsync(flush)).Minus(dbBefore);
        var stragglers = stuck.IsEmpty ? "" : await FollowStragglersAsync(grains, clock as FakeTimeProvider, dataSource, serviceId, [.. stuck]);

        var errors = (errorsAfter - errorsBefore) + productWarnings + views.Errors + (n - tripped);
        var elapsed = complete;
        var pass = errors == 0 && open == 0 && tripped == n && elapsed <= ResetTarget;
        summary.Set(new Figure("7", HarnessSummary.TitleOf("7"),
            $"{n - open:#,0}/{n:#,0} resumed in {elapsed.TotalSeconds:0.0} s" + (open > 0 ? $" ({open:#,0} never got their reset tick: see details)" : "") +
            $"; {errors:#,0} errors; {dbDelta.Commits / (double)Math.Max(1, tripped):0.0} commits" +
            (stats.HasStatements ? $", {dbDelta.StatementCalls / (double)Math.Max(1, tripped):0.0} statements" : "") + " per reset",
            "", null, $"{n:#,0} within {ResetTarget.TotalMinutes:0} min, no errors", pass ? Verdict.Pass : Verdict.Miss));
        summary.Detail("7. Monthly reset of tripped accounts (PostgreSQL)", $"""
            {tripped:#,0}/{n:#,0} accounts tripped their InMail breaker (LinkedIn: "Not enough credits") at {trippedAt:u} in
            {trip.Elapsed.TotalSeconds:0.0} s ({trip.PerSecond:#,0}/s, {trip.Errors} errors); {remindersBefore:#,0} reminder rows (reset + hourly re-check each).
            {(clock is FakeTimeProvider
                ? $"The product clock (a `FakeTimeProvider`, keyed `BreakerServices.ClockKey` and the reminders' clock) was then moved to {resetAt.AddSeconds(-10):u} and across the reset and its 5-minute spread in 10-second steps, one every {o.ResetStepDelay.TotalMilliseconds:0} ms of real time: the spread was compressed into {advanced.TotalSeconds:0.0} s, so the resumes met the cluster ~{ResetCalendar.MaxJitter.TotalSeconds / Math.Max(0.001, advanced.TotalSeconds):0}× faster than in production."
                : $"**Live clock (profiling run):** the product's `SimulationTimeProvider` at real speed, `Dispatch:ResetSpread` {spread.TotalSeconds:0} s; the harness waited for the reset in real time.")}

            - Time from the clock crossing {resetAt:u} until every account's view answered not Open: **{elapsed.TotalSeconds:0.0} s**
              (the last `BreakerCleared` event was recorded after {(byLog is { } b ? $"{b.TotalSeconds:0.0} s" : "-")}; polling saw {resumed:#,0} of them after {polledDone.TotalSeconds:0.0} s;
              the views, which wait for each account's reset turn to finish, all answered after {complete.TotalSeconds:0.0} s).
            - Resumed: account views: {probing:#,0} not Open (Probing), {open:#,0} still Open. CPU cores from the crossing to the end, own / PG / other: {cpuUsage.Text}.
            - Errors: {errorsAfter - errorsBefore} error logs, {productWarnings} product warnings, {warningsAfter - warningsBefore} warnings in all,
              {views.Errors} failed view calls, {n - tripped} accounts that did not trip.
            - Reminder rows left for the service: {remindersAfter:#,0} (both reminders are unregistered at a resume).
            {stragglers}
            {(samples.Count == 0 ? "" : "- First errors and warnings logged during the reset:\n" + string.Join("\n", samples.Select(m => $"  - `{m.Replace("`", "'", StringComparison.Ordinal)}`")))}

            Database work during the reset ({tripped:#,0} resets):

            {dbDelta.Describe(tripped, "reset", stats.HasStatements)}
            """);
    }

    /// <summary>
    /// Diagnostic, after the figure: accounts whose reset never ran. Shows their reminder rows, then
    /// moves the clock on a minute at a time (up to 70 min, past the hourly re-check) and notes when each resumed.
    /// </summary>
    private async Task<string> FollowStragglersAsync(IClusterClient grains, FakeTimeProvider? clock, NpgsqlDataSource dataSource, string serviceId, BenchAccount[] stuck)
    {
        var md = new System.Text.StringBuilder();
        md.AppendLine($"- **{stuck.Length} account(s) still Open** after the reset and its spread; their reminder rows (diagnostic, after the figure):");
        foreach (var a in stuck.Take(5))
        {
            await using var rows = dataSource.CreateCommand($"{DbStats.Marker} SELECT remindername, starttime, period, version FROM orleansreminderstable WHERE serviceid = $1 AND grainid LIKE $2 ORDER BY remindername");
            rows.Parameters.Add(new NpgsqlParameter { Value = serviceId });
            rows.Parameters.Add(new NpgsqlParameter { Value = "%" + a.Key });
            await using var reader = await rows.ExecuteReaderAsync();
            var found = new List<string>();
            while (await reader.ReadAsync())
            {
                found.Add($"{reader.GetString(0)} start {reader.GetFieldValue<DateTimeOffset>(1):u} period {TimeSpan.FromMilliseconds(reader.GetInt64(2))} v{reader.GetInt32(3)}");
            }
            md.AppendLine($"  - `{a.Key}` (jitter {ResetCalendar.Jitter(a.Key).TotalSeconds:0} s): {(found.Count == 0 ? "no reminder rows" : string.Join("; ", found))}");
        }
        if (clock is null)
        {
            return md.ToString().TrimEnd();
        }
        var start = clock.GetUtcNow();
        var resumedAt = new Dictionary<string, TimeSpan>();
        while (clock.GetUtcNow() - start < TimeSpan.FromMinutes(70) && resumedAt.Count < stuck.Length)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(50);
            foreach (var a in stuck.Where(a => !resumedAt.ContainsKey(a.Key)))
            {
                if ((await grains.GetGrain<IAccountGrain>(a.Key).GetViewAsync()).Breakers[ActionType.InMail].State != BreakerState.Open)
                {
                    resumedAt[a.Key] = clock.GetUtcNow() - start;
                }
            }
        }
        md.AppendLine($"  - Moving the clock on from {start:u} a minute at a time: " + string.Join(", ", stuck.Select(a =>
            resumedAt.TryGetValue(a.Key, out var after) ? $"`{a.Id}` resumed after +{after.TotalMinutes:0} min" : $"`{a.Id}` still Open after +70 min")) + ".");
        reporter.Line($"  7 stragglers: {md.ToString().ReplaceLineEndings(" ")}");
        return md.ToString().TrimEnd();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql, string parameter)
    {
        await using var command = dataSource.CreateCommand($"{DbStats.Marker} {sql}");
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
