using System.Text.RegularExpressions;
using Npgsql;
using OrleansBreaker.EventLog;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// The README's "How to verify, DB-side" SQL is what support engineers paste: it is run here, as
/// written, against the schema and rows the product writes.
/// </summary>
public sealed partial class ReadmeSqlTests : IClassFixture<PostgresDatabaseFixture>
{
    private readonly PostgresDatabaseFixture _db;

    public ReadmeSqlTests(PostgresDatabaseFixture db) => _db = db;

    [GeneratedRegex("```sql\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();

    private static IReadOnlyList<string> ReadmeQueries()
    {
        var readme = File.ReadAllText(Path.Combine(PostgresServer.RepoRoot, "README.md"));
        var section = readme[readme.IndexOf("## How to verify, DB-side", StringComparison.Ordinal)..];
        return [.. SqlBlock().Matches(section).Select(m => m.Groups[1].Value)];
    }

    [Fact]
    public async Task ReadmeQueries_ListTheAccountsSkipsTripsAndSuccesses_AndNothingElse()
    {
        var log = new PostgresEventLog(_db.DataSource);
        var t = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
        var reset = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        EventRecord Ev(EventKind kind, string account, ActionType action, Reason reason, int minutes, string? prospect = null) => new()
        {
            At = t.AddMinutes(minutes), Kind = kind, WorkspaceId = "demo", AccountId = account, CampaignId = "c1",
            ProspectId = prospect, Action = action, Reason = reason, ResumeAt = kind is EventKind.Skipped or EventKind.BreakerTripped ? reset : null,
            Text = ActivityText.For(kind, reason, action),
        };
        await log.AppendAsync(
        [
            Ev(EventKind.Sent, "alice", ActionType.InMail, Reason.None, 0, "p1"),
            Ev(EventKind.BreakerTripped, "alice", ActionType.InMail, Reason.InMailCreditsExhausted, 1, "p2"),
            Ev(EventKind.Skipped, "alice", ActionType.InMail, Reason.InMailCreditsExhausted, 1, "p2"),
            Ev(EventKind.Skipped, "alice", ActionType.InMail, Reason.InMailCreditsExhausted, 2, "p3"),
            Ev(EventKind.Sent, "alice", ActionType.Invite, Reason.None, 3, "p4"),
            Ev(EventKind.Skipped, "bob", ActionType.InMail, Reason.InMailCreditsExhausted, 3, "p5"),
            Ev(EventKind.BreakerCleared, "alice", ActionType.InMail, Reason.InMailCreditsExhausted, 60),
        ]);

        var queries = ReadmeQueries();
        Assert.Equal(3, queries.Count);
        var skips = await RunAsync(queries[0]);
        var trips = await RunAsync(queries[1]);
        var successes = await RunAsync(queries[2]);

        Assert.Equal(["p3", "p2"], skips.Select(r => (string)r["prospect_id"]!));
        Assert.All(skips, r => Assert.Equal(ActivityText.InMailCreditsExhaustedSkip, r["text"]));
        Assert.All(skips, r => Assert.Equal(reset, new DateTimeOffset((DateTime)r["resume_at"]!)));
        Assert.Equal(["BreakerCleared", "BreakerTripped"], trips.Select(r => (string)r["kind"]!));
        Assert.Equal(["p1"], successes.Select(r => (string)r["prospect_id"]!));
    }

    private async Task<List<Dictionary<string, object?>>> RunAsync(string sql)
    {
        await using var command = _db.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i)));
        }
        return rows;
    }
}
