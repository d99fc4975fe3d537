using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using System.Runtime.InteropServices;
using OrleansBreaker.Benchmarks.Cluster;
using OrleansBreaker.Benchmarks.RunSh;

// micro:   BenchmarkDotNet over the pure logic (classifier, breaker, cap windows, in-memory event log).
// cluster: the load harness; every figure next to its baseline, in one run.
// runsh:   ./run.sh --postgres as a subprocess, loaded through the REST API (issue 11, figure 5).
const string usage = "usage: dotnet run -c Release --project Benchmarks -- micro [BenchmarkDotNet args, e.g. --filter *Classifier*]\n" +
                     "       dotnet run -c Release --project Benchmarks -- cluster [--quick] [options]\n" +
                     "       dotnet run -c Release --project Benchmarks -- runsh [--quick] [options]\n\n" + HarnessOptions.Usage + "\n" + RunShOptions.Usage;

switch (args.FirstOrDefault())
{
    case "micro":
        var micro = args[1..];
        // Without a filter BenchmarkDotNet asks which benchmark to run; run them all instead.
        if (!micro.Any(a => a is "--filter" or "-f" or "--list" or "--info" or "--help" or "-h"))
        {
            micro = [.. micro, "--filter", "*"];
        }
        // In this process: BenchmarkDotNet's out-of-process toolchain looks for a project named after the
        // assembly (OrleansBreaker.Benchmarks.csproj), and ours is Benchmarks.csproj like its neighbours.
        // The host runs server GC, as the silo does.
        if (!micro.Contains("--inProcess"))
        {
            micro = [.. micro, "--inProcess"];
        }
        var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(ArtifactsRoot(), "micro"));
        BenchmarkSwitcher.FromAssembly(typeof(IPingGrain).Assembly).Run(micro, config);
        return 0;

    case "cluster":
        try
        {
            var options = HarnessOptions.Parse(args[1..]);
            var summary = await ClusterHarness.RunAsync(options, Console.Out);
            return summary.Figures.Any(f => f.Verdict == Verdict.Failed) ? 2 : 0;
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }

    case "runsh":
        try
        {
            var options = RunShOptions.Parse(args[1..]);
            // Ctrl-C or SIGTERM stops run.sh too: it runs in its own session, out of the terminal's reach.
            using var stop = new CancellationTokenSource();
            using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            var summary = await RunShHarness.RunAsync(options, Console.Out, stop.Token);
            return summary.Figures.Any(f => f.Verdict == Verdict.Failed) ? 2 : 0;
        }
        catch (Exception ex) when (ex is ArgumentException or RunShRefusedException)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // run.sh did not start or a setup write could not go on; run.sh has been stopped.
            Console.Error.WriteLine($"runsh: {ex.Message}");
            return 1;
        }

    default:
        Console.Error.WriteLine(usage);
        return 1;
}

static string ArtifactsRoot()
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
