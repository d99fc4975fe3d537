using System.Net;
using System.Net.Sockets;
using OrleansBreaker.Benchmarks.Cluster;
using OrleansBreaker.Benchmarks.RunSh;
using OrleansBreaker.Tests.RunScript;
using Xunit.Abstractions;

namespace OrleansBreaker.Tests.Benchmarks;

/// <summary>
/// The runsh load tool (figure 5) still runs end to end at smoke sizes: it starts ./run.sh --postgres on
/// run.sh's fixed ports, so it belongs to the run.sh collection and runs after or before those tests,
/// never beside them. Asserts that every row was measured, nothing was sent twice, and that it stops
/// run.sh and frees its ports; nothing about time (a smoke run on a busy test machine means nothing).
/// </summary>
[Collection(RunScriptCollection.Name)]
public sealed class RunShSmokeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("runsh-smoke-").FullName;

    [Fact]
    public async Task QuickRun_LoadsRunShThroughTheApi_MeasuresEveryRow_AndReleasesItsPorts()
    {
        Assert.True(RunShProcess.PortsInUse(1).Count == 0, $"ports {string.Join(", ", RunShProcess.PortsInUse(1))} are taken: stop the ./run.sh using them");
        var file = Path.Combine(_root, "runsh-summary.md");
        var log = new StringWriter();
        try
        {
            var summary = await RunShHarness.RunAsync(RunShOptions.Parse(["--quick", "--out", file]), log);

            Assert.Equal(RunShSummary.Rows.Select(r => r.Id), summary.Figures.Select(f => f.Id));
            Assert.All(summary.Figures, f => Assert.True(f.Verdict is Verdict.Pass or Verdict.Miss, $"figure {f.Id} ({f.Title}): {f.Verdict}: {f.Measured}"));
            var result = summary.Result;
            Assert.All(result.Setup, p => Assert.Equal(result.Options.Accounts, p.Stats.Count));
            // Before activation nothing dispatches: a failed write there is the tool's fault (or the API's), not load.
            Assert.All(result.Setup.SkipLast(1), p => Assert.True(p.Stats.Failed == 0, $"{p.Name}: {p.Stats.Failed} writes failed: {string.Join(" | ", p.FailureSamples)}"));
            Assert.True(result.DeliveriesPerSecond > 0, "nothing was delivered in the window");
            Assert.Equal(0, result.Final!.DuplicateKeys);
            Assert.Equal(result.Options.Accounts, result.Final.Accounts);
            Assert.True(result.StoppedCleanly, "run.sh did not stop on SIGTERM");
            Assert.Equal(summary.Markdown, await File.ReadAllTextAsync(file));
            await Eventually.HoldsAsync(() => RunShProcess.PortsInUse(1).Count == 0, TimeSpan.FromMinutes(1),
                () => $"ports still taken after the run: {string.Join(", ", RunShProcess.PortsInUse(1))}");
        }
        finally
        {
            output.WriteLine(log.ToString());
        }
    }

    [Fact]
    public async Task APortOfRunSh_AlreadyTaken_IsRefusedBeforeAnythingStarts()
    {
        Assert.True(RunShProcess.PortsInUse(1).Count == 0, $"ports {string.Join(", ", RunShProcess.PortsInUse(1))} are taken: stop the ./run.sh using them");
        using var listener = new TcpListener(IPAddress.Loopback, 5090);
        listener.Start();

        var refused = await Assert.ThrowsAsync<RunShRefusedException>(() =>
            RunShHarness.RunAsync(RunShOptions.Parse(["--quick", "--out", Path.Combine(_root, "refused.md")]), TextWriter.Null));

        Assert.Contains("5090", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "refused.md")));
        Assert.False(Directory.Exists(Path.Combine(_root, "runsh")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
