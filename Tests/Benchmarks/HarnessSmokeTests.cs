using OrleansBreaker.Benchmarks.Cluster;
using OrleansBreaker.Tests.Postgres;
using Xunit.Abstractions;

namespace OrleansBreaker.Tests.Benchmarks;

/// <summary>
/// The cluster load harness still runs end to end: quick sizes, in this process, on the tests' shared
/// PostgreSQL. Asserts that every section produced a figure (or says it is not available yet) and
/// nothing about time: the numbers of a smoke run on a busy test machine mean nothing.
/// </summary>
public sealed class HarnessSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task QuickRun_ProducesASummaryWithEverySection()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("bench");
        var file = Path.Combine(Path.GetTempPath(), $"orleansbreaker-bench-{Guid.NewGuid():N}.md");
        var log = new StringWriter();
        try
        {
            // Every section, scale too (not in the default run); the campaign sections at smaller sizes than --quick's,
            // so that the smoke run stays short: idle windows of 1 s, 50 campaigns, 10 deliveries per WAL reading, a tiny §10,
            // pools (figures 12, 13) of 10 seats over 3 s and 40 accounts.
            var summary = await ClusterHarness.RunAsync(HarnessOptions.Parse(
            [
                "--quick", "--pg", connectionString, "--out", file, "--only", string.Join(",", HarnessOptions.AllSections),
                "--idle", "1", "--wal-deliveries", "10", "--campaigns", "50", "--campaign-prospects", "20",
                "--scale-accounts", "200", "--scale-campaigns", "20", "--scale-prospects", "400", "--scale-duration", "1", "--scale-warmup", "0.5",
                "--pool-window", "3", "--pool-prospects", "100", "--pool-dispatch-accounts", "40", "--pool-dispatch-prospects", "20",
            ]), log);

            Assert.Equal(HarnessSummary.Rows.Select(r => r.Id), summary.Figures.Select(f => f.Id));
            Assert.All(summary.Figures, f =>
            {
                Assert.False(string.IsNullOrWhiteSpace(f.Measured), $"figure {f.Id} is empty");
                Assert.True(f.Verdict is Verdict.Baseline or Verdict.Pass or Verdict.Miss or Verdict.NotAvailableYet,
                    $"figure {f.Id} ({f.Title}): {f.Verdict}: {f.Measured}");
            });
            var markdown = await File.ReadAllTextAsync(file);
            Assert.Equal(summary.Markdown, markdown);
            Assert.All(HarnessSummary.Rows, r => Assert.Contains($"| {r.Id} | {r.Title} |", markdown));
        }
        finally
        {
            output.WriteLine(log.ToString());
            File.Delete(file);
        }
    }
}
