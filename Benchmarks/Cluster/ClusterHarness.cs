using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// The cluster load harness: every figure and the baseline it is divided by, measured in one run on
/// this machine, so the ratios carry to any machine. Each section runs on its own in-process cluster
/// (the heap and the logs of one never blur another); a section that throws is reported as failed and
/// the run goes on.
/// </summary>
public static class ClusterHarness
{
    public static async Task<HarnessSummary> RunAsync(HarnessOptions options, TextWriter output)
    {
        var reporter = new Reporter(output);
        var summary = new HarnessSummary();
        var began = Stopwatch.GetTimestamp();
        reporter.Line($"cluster harness ({(options.Quick ? "quick" : "full")}): {options.Accounts:#,0} accounts, {options.MemoryAccounts:#,0} for memory, " +
            $"{options.Concurrency} in flight, {options.Duration.TotalSeconds:0.#} s per phase; sections {string.Join(", ", options.Sections)}");

        await RunSectionAsync(options, "dispatch", ["1", "2", "3"], () => new DispatchBench(options, reporter, summary).RunAsync(), summary, reporter);
        await RunSectionAsync(options, "postgres", ["4a", "4", "7"], () => new PostgresBench(options, reporter, summary).RunAsync(), summary, reporter);
        await RunSectionAsync(options, "memory", ["5"], () => new MemoryBench(options, reporter, summary).RunAsync(), summary, reporter);
        await RunSectionAsync(options, "safety", ["6"], () => new SafetyBench(options, reporter, summary).RunAsync(), summary, reporter);
        await RunSectionAsync(options, "campaigns", ["10a", "9a", "9", "10", "8a", "8"], () => new CampaignBench(options, reporter, summary).RunAsync(), summary, reporter);
        await RunSectionAsync(options, "pools", ["12a", "12", "13a", "13"], () => new PoolBench(options, reporter, summary).RunAsync(), summary, reporter);
        await RunSectionAsync(options, "scale", ["11"], () => new ScaleBench(options, reporter, summary).RunAsync(), summary, reporter);

        summary.Environment = Describe(options);
        var markdown = summary.Render(Stopwatch.GetElapsedTime(began));
        var path = options.OutputPath ?? Path.Combine(DefaultFolder(), "cluster-summary.md");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, markdown);
        output.WriteLine();
        output.WriteLine(markdown);
        reporter.Line($"summary written to {Path.GetFullPath(path)}");
        return summary;
    }

    private static async Task RunSectionAsync(HarnessOptions options, string section, string[] figures, Func<Task> run, HarnessSummary summary, Reporter reporter)
    {
        if (!options.Runs(section))
        {
            return;
        }
        try
        {
            await run();
        }
        catch (Exception ex)
        {
            reporter.Line($"{section}: FAILED: {ex}");
            foreach (var id in figures.Where(id => summary.Figures.First(f => f.Id == id).Verdict is Verdict.NotAvailable))
            {
                summary.Failed(id, ex);
            }
        }
    }

    private static string DefaultFolder()
    {
        try
        {
            return Path.Combine(BenchPostgres.RepoRoot(), "artifacts", "benchmarks");
        }
        catch (InvalidOperationException)
        {
            return Path.Combine(Directory.GetCurrentDirectory(), "artifacts", "benchmarks");
        }
    }

    private static string OrleansVersion()
    {
        var version = typeof(Grain).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        return version?.Split('+')[0] ?? typeof(Grain).Assembly.GetName().Version?.ToString() ?? "?";
    }

    private static IReadOnlyList<string> Describe(HarnessOptions o)
    {
        var cpu = "unknown CPU";
        var memory = "";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            var total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (total is not null && long.TryParse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb))
            {
                memory = $", {kb / 1048576.0:0.0} GiB RAM";
            }
        }
        catch (IOException)
        {
        }
        return
        [
            $"Machine: {Environment.ProcessorCount} logical cores ({cpu}){memory}; {RuntimeInformation.OSDescription}",
            $"Runtime: {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC; Orleans {OrleansVersion()}; " +
                "silos and client in this process (TestingHost, its default in-memory transport between client and silos)",
            $"Mode: {(o.Quick ? "quick (smoke sizes; the figures mean little)" : "full")}; {o.Accounts:#,0} accounts (workspaces of {o.AccountsPerWorkspace}), " +
                $"{o.MemoryAccounts:#,0} for memory; {o.Concurrency} calls in flight; {o.Warmup.TotalSeconds:0.#} s warm-up + {o.Duration.TotalSeconds:0.#} s per load phase; " +
                $"{o.SafetyRepetitions} safety-mode trips",
            $"Started: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC",
        ];
    }
}
