using System.Diagnostics;
using System.Text.Json;
using OrleansBreaker.Benchmarks.Cluster;
using OrleansBreaker.Testing;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// Figure 5 of issue 11, end to end: <c>./run.sh --postgres</c> as a subprocess with the HTTP simulator,
/// loaded through the REST API as an outreach service would load it, measured at the simulator
/// against the pacing ceiling of the same run, with the API's write latency while it dispatches and
/// the connection refusals in every process's log.
/// </summary>
public static class RunShHarness
{
    private const string Workspace = "runsh";

    public static async Task<RunShSummary> RunAsync(RunShOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        var repoRoot = BenchPostgres.RepoRoot();
        var busy = RunShProcess.PortsInUse(options.Silos);
        if (busy.Count > 0)
        {
            throw new RunShRefusedException(
                $"runsh starts its own ./run.sh --postgres, but 127.0.0.1 port(s) {string.Join(", ", busy)} are already in use " +
                "(a ./run.sh, its PostgreSQL on 55432, or the run.sh tests are running?). Stop them first; nothing was started.");
        }

        var outputPath = options.OutputPath ?? Path.Combine(repoRoot, "artifacts", "benchmarks", "runsh-summary.md");
        var logDir = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputPath))!, "runsh");
        Directory.CreateDirectory(logDir);
        var runLog = Path.Combine(logDir, "run.log");
        var pgLogCopy = Path.Combine(logDir, "postgres-server.log");
        // The run's own data folder: a user's .data/pg is never reused or touched. As root, PostgreSQL runs as
        // 'postgres', which must reach the data folder through it.
        var root = Path.Combine(Path.GetTempPath(), "orleansbreaker-runsh-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));
        }
        var adminKey = "runsh-admin-" + Guid.NewGuid().ToString("N");

        var watch = Stopwatch.StartNew();
        void Say(string message) => log.WriteLine($"[{watch.Elapsed.TotalSeconds,7:0.0}s] {message}");
        var result = new RunShResult { Options = options, StartedAt = DateTimeOffset.UtcNow, Commit = Commit(repoRoot), RunLog = runLog, PgLog = pgLogCopy };

        RunShProcess? run = null;
        var stopLine = long.MaxValue;
        try
        {
            Say($"starting ./run.sh --postgres --no-demo{(options.Silos > 1 ? $" --silos {options.Silos}" : "")} (data folder {root}/pg, output in {runLog})");
            run = RunShProcess.Start(repoRoot, options.Silos, adminKey, Path.Combine(root, "pg"), runLog);
            await run.WaitReadyAsync(TimeSpan.FromMinutes(10), cancellationToken);
            result.StartSeconds = watch.Elapsed.TotalSeconds;
            result.Pacing = Pacing.Read(repoRoot);
            Say($"ready after {result.StartSeconds:0} s; pacing: {result.Pacing.Brief}");

            using var api = new RestApi { Key = adminKey };
            var created = await api.WriteAsync(HttpMethod.Post, "/api/workspaces", $$"""{"id":"{{Workspace}}"}""", new Latencies("workspace"), cancellationToken)
                ?? throw new InvalidOperationException("POST /api/workspaces failed; see " + runLog);
            // From here on the workspace's own key, as an outreach service holds it.
            api.Key = created.GetProperty("apiKey").GetString();

            var n = options.Accounts;
            string Account(int i) => $"rsh-a{i:D5}";
            string Campaign(int i) => $"rsh-c{i:D5}";
            // Caps far above what a window can send, so the cap check runs but never decides.
            const string accountBody = """{"timeZone":"UTC","limits":{"ViewProfile":{"daily":100000,"weekly":100000}}}""";
            string CampaignBody(int i, bool active) =>
                $$"""{"accountId":"{{Account(i)}}","steps":[{"action":"ViewProfile"}],"active":{{(active ? "true" : "false")}}}""";
            string Prospects(int i) => JsonSerializer.Serialize(new
            {
                prospects = Enumerable.Range(0, options.Prospects).Select(j => new { id = $"p{j:D5}", profileUrl = $"https://www.linkedin.com/in/rsh-{i}-{j}" }),
            });

            // Created paused, so that setup measures the API alone and every campaign starts with all its prospects due;
            // then activated, which the issue measured too (498 s for 2,000 under load).
            var phases = new (string Name, Func<int, Latencies, Task> Write)[]
            {
                ("accounts PUT", (i, l) => api.WriteAsync(HttpMethod.Put, $"/api/workspaces/{Workspace}/accounts/{Account(i)}", accountBody, l, cancellationToken)),
                ("campaigns PUT (paused)", (i, l) => api.WriteAsync(HttpMethod.Put, $"/api/workspaces/{Workspace}/campaigns/{Campaign(i)}", CampaignBody(i, false), l, cancellationToken)),
                ($"prospects POST ({options.Prospects} each)", (i, l) => api.WriteAsync(HttpMethod.Post, $"/api/workspaces/{Workspace}/campaigns/{Campaign(i)}/prospects", Prospects(i), l, cancellationToken)),
            };
            foreach (var (name, write) in phases)
            {
                var phase = await RunPhaseAsync(name, n, options.Clients, write, cancellationToken);
                result.Setup.Add(phase);
                Say($"{name}: {n:#,0} in {phase.Seconds:0.0} s, {phase.Stats.Brief}");
            }

            await using var sampler = new Sampler(api, run, options.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5));
            var activation = await RunPhaseAsync("campaigns PUT (activate)", n, options.Clients,
                (i, l) => api.WriteAsync(HttpMethod.Put, $"/api/workspaces/{Workspace}/campaigns/{Campaign(i)}", CampaignBody(i, true), l, cancellationToken), cancellationToken);
            result.Setup.Add(activation);
            Say($"activated {n:#,0} campaigns in {activation.Seconds:0.0} s, {activation.Stats.Brief}");

            Say($"warm-up {options.Warmup.TotalSeconds:0} s");
            await Task.Delay(options.Warmup, cancellationToken);

            Say($"window {options.Window.TotalSeconds:0} s, with {options.ProbeRate:0.##} writes/s of each kind");
            var cpu = CpuSnapshot.Take(run);
            var before = await api.SimStatsAsync(cancellationToken);
            var probes = new[] { new Latencies("accounts PUT"), new Latencies("campaigns PUT"), new Latencies("prospects POST") };
            var end = Stopwatch.GetTimestamp() + (long)(options.Window.TotalSeconds * Stopwatch.Frequency);
            // The window is the schedule's: writes still in flight at its end are awaited after the totals are read.
            var probing = Task.WhenAll(
                ProbeAsync(options.ProbeRate, end, k => api.WriteAsync(HttpMethod.Put, $"/api/workspaces/{Workspace}/accounts/{Account(Spread(k, n))}", accountBody, probes[0], cancellationToken), cancellationToken),
                ProbeAsync(options.ProbeRate, end, k => api.WriteAsync(HttpMethod.Put, $"/api/workspaces/{Workspace}/campaigns/{Campaign(Spread(k, n))}", CampaignBody(Spread(k, n), true), probes[1], cancellationToken), cancellationToken),
                ProbeAsync(options.ProbeRate, end, k => api.WriteAsync(HttpMethod.Post, $"/api/workspaces/{Workspace}/campaigns/{Campaign(Spread(k, n))}/prospects",
                    $$"""{"prospects":[{"id":"probe-{{k}}","profileUrl":"https://www.linkedin.com/in/rsh-probe-{{k}}"}]}""", probes[2], cancellationToken), cancellationToken));
            var left = end - Stopwatch.GetTimestamp();
            if (left > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(left / (double)Stopwatch.Frequency), cancellationToken);
            }
            var after = await api.SimStatsAsync(cancellationToken);
            result.Cpu = CpuSnapshot.Take(run).Since(cpu);
            await probing;
            result.SiloResidentBytes = run.Descendants().Where(d => d.Value.Contains("OrleansBreaker.Silo.dll", StringComparison.Ordinal))
                .Sum(d => ProcStat.ResidentBytes(d.Key));
            result.WindowBefore = before;
            result.WindowAfter = after;
            result.Probes = [.. probes.Select(p => p.Take())];
            result.ProbeFailures = [.. probes.SelectMany(p => p.FailureSamples)];
            Say($"window: {after.DeliveriesPerSecondSince(before):#,0.0} deliveries/s over {after.SecondsSince(before):0.0} s; " +
                string.Join("; ", result.Probes.Select(p => $"{p.Name} {p.Brief}")));

            result.Timeline = await sampler.StopAsync();
            result.SamplerRefusals = sampler.Refused;
            result.MaxConnections = await sampler.MaxConnectionsAsync();

            // Campaigns that ran out of prospects before the window ended deliver nothing more: the ratio then understates.
            var drained = 0;
            await RunPhaseAsync("drained check", n, options.Clients, async (i, _) =>
            {
                var account = await api.GetAsync(RestApi.Simulator, $"/sim/accounts/{Account(i)}", cancellationToken);
                if (account.GetProperty("delivered").TryGetProperty("ViewProfile", out var views) && views.GetInt64() >= options.Prospects)
                {
                    Interlocked.Increment(ref drained);
                }
            }, cancellationToken);
            result.DrainedCampaigns = drained;
            result.Final = await api.SimStatsAsync(cancellationToken);
            result.SetupFailures = [.. result.Setup.SelectMany(p => p.FailureSamples)];
        }
        finally
        {
            if (run is not null)
            {
                Say("stopping run.sh (SIGTERM)");
                stopLine = run.Lines;
                var (clean, took) = await run.StopAsync();
                result.StoppedCleanly = clean;
                result.StopSeconds = took.TotalSeconds;
                await run.DisposeAsync();
                try
                {
                    if (File.Exists(run.PgLogPath))
                    {
                        File.Copy(run.PgLogPath, pgLogCopy, overwrite: true);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Say($"could not copy PostgreSQL's log: {ex.Message}");
                }
            }
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Say($"could not delete {root}: {ex.Message}");
            }
        }

        result.Refusals = LogScan.Count(runLog, pgLogCopy, stopLine);
        result.Refusals = result.Refusals with { PostgresRefusals = Math.Max(0, result.Refusals.PostgresRefusals - result.SamplerRefusals) };
        result.Seconds = watch.Elapsed.TotalSeconds;
        var summary = RunShSummary.From(result);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        await File.WriteAllTextAsync(outputPath, summary.Markdown, CancellationToken.None);
        log.WriteLine();
        log.WriteLine(summary.Markdown);
        log.WriteLine($"(written to {outputPath}; run.sh's output in {runLog}, PostgreSQL's log in {pgLogCopy})");
        return summary;
    }

    /// <summary>Spreads the probe writes over the accounts instead of hitting neighbours in order.</summary>
    private static int Spread(long k, int n) => (int)(k * 7919 % n);

    /// <summary><paramref name="count"/> writes by <paramref name="clients"/> concurrent clients, each taking the next index.</summary>
    private static async Task<SetupPhase> RunPhaseAsync(string name, int count, int clients, Func<int, Latencies, Task> write, CancellationToken cancellationToken)
    {
        var latencies = new Latencies(name);
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(clients, count)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await write(i, latencies);
            }
        }));
        return new SetupPhase(name, count, watch.Elapsed.TotalSeconds, latencies.Take(), [.. latencies.FailureSamples]);
    }

    /// <summary>
    /// An open loop: a write starts every 1/rate s whether or not the last one answered, so a slow API
    /// shows as latency rather than as fewer samples (no coordinated omission).
    /// </summary>
    private static async Task ProbeAsync(double rate, long endTimestamp, Func<long, Task> write, CancellationToken cancellationToken)
    {
        var period = (long)(Stopwatch.Frequency / rate);
        var inFlight = new List<Task>();
        var due = Stopwatch.GetTimestamp();
        for (long k = 0; due < endTimestamp; k++, due += period)
        {
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), cancellationToken);
            }
            inFlight.Add(write(k));
        }
        await Task.WhenAll(inFlight);
    }

    private static string Commit(string repoRoot)
    {
        try
        {
            var start = new ProcessStartInfo("git", "rev-parse --short HEAD") { WorkingDirectory = repoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(start)!;
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            var status = new ProcessStartInfo("git", "status --porcelain --untracked-files=no") { WorkingDirectory = repoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
            using var dirty = Process.Start(status)!;
            var changes = dirty.StandardOutput.ReadToEnd().Trim();
            dirty.WaitForExit();
            return commit + (changes.Length > 0 ? " (with uncommitted changes)" : "");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}

/// <summary>runsh refused to start (ports taken): nothing was started, the message says what to do.</summary>
public sealed class RunShRefusedException(string message) : Exception(message);

public sealed record SetupPhase(string Name, int Writes, double Seconds, Latencies.Stats Stats, IReadOnlyList<string> FailureSamples);
