using System.Net.Http.Json;
using System.Text.Json;
using OrleansBreaker.Tests.Client;

namespace OrleansBreaker.Tests.Simulator;

/// <summary>
/// The simulator's provider-wide outcome feed (<c>GET /v1/outcomes</c>): every account's accepts and replies
/// in one sequence, for one reader per cluster; and the counts a test uses to prove nobody polls per account.
/// </summary>
public sealed class SimulatorFeedTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task ProviderWideFeed_NumbersEveryAccountsAcceptsAndReplies_InOneSequence_WithAccountAndKey()
    {
        var (a, b) = (SimulatorFixture.NewAccountId(), SimulatorFixture.NewAccountId());
        await sim.ConfigureAsync(a, """{"acceptRate":1,"replyRate":1}""");
        await sim.ConfigureAsync(b, """{"acceptRate":1,"replyRate":1}""");
        var before = (await StatsAsync()).GetProperty("lastSeq").GetInt64();
        (await sim.ActAsync(a, "Invite", "p1", key: "ws/c/p1/0")).Dispose();
        (await sim.ActAsync(b, "Message", "p2", key: "ws/c/p2/1")).Dispose();
        (await sim.ActAsync(a, "ViewProfile", "p3", key: "ws/c/p3/0")).Dispose(); // a profile view has no outcome
        (await sim.ActAsync(a, "Message", "p4", key: "ws/c/p4/1")).Dispose();

        var page = await FeedAsync($"?since={before}");

        var items = page.GetProperty("items").EnumerateArray()
            .Select(i => $"{i.GetProperty("seq").GetInt64() - before} {i.GetProperty("accountId").GetString()} {i.GetProperty("prospectId").GetString()} {i.GetProperty("kind").GetString()} {i.GetProperty("idempotencyKey").GetString()}")
            .Where(line => line.Contains(a) || line.Contains(b)).ToList();
        Assert.Equal([$"1 {a} p1 Accepted ws/c/p1/0", $"2 {b} p2 Replied ws/c/p2/1", $"3 {a} p4 Replied ws/c/p4/1"], items);
        Assert.Equal(before + 3, page.GetProperty("next").GetInt64());
        // Each account's own feed keeps its own numbering (API.md §4's control view is unchanged).
        Assert.Equal([1L, 2L], (await sim.OutcomesAsync(a)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task ProviderWideFeed_PagesWithSinceAndLimit_AndNextStaysPutWhenNothingIsNew()
    {
        var a = SimulatorFixture.NewAccountId();
        await sim.ConfigureAsync(a, """{"acceptRate":1}""");
        var before = (await StatsAsync()).GetProperty("lastSeq").GetInt64();
        for (var i = 1; i <= 3; i++)
        {
            (await sim.ActAsync(a, "Invite", $"p{i}")).Dispose();
        }

        var first = await FeedAsync($"?since={before}&limit=2");
        var rest = await FeedAsync($"?since={first.GetProperty("next").GetInt64()}&limit=2");
        var none = await FeedAsync($"?since={rest.GetProperty("next").GetInt64()}");

        Assert.Equal(["p1", "p2"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("prospectId").GetString()));
        Assert.Equal(["p3"], rest.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("prospectId").GetString()));
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        Assert.Equal(before + 3, none.GetProperty("next").GetInt64());
    }

    [Fact]
    public async Task FeedReads_AreCounted_ProviderWideApartFromPerAccount_AndControlReadsNotAtAll()
    {
        var a = SimulatorFixture.NewAccountId();
        var before = await StatsAsync();

        await FeedAsync("");
        await FeedAsync("?since=0&limit=5");
        (await sim.Http.GetAsync($"/v1/accounts/{a}/outcomes")).Dispose();
        await sim.OutcomesAsync(a); // the control API's view, not a provider call

        var after = await StatsAsync();
        // The tests of one class run one at a time, so these are exactly our reads.
        Assert.Equal(2, after.GetProperty("feedReads").GetInt64() - before.GetProperty("feedReads").GetInt64());
        Assert.Equal(1, after.GetProperty("accountFeedReads").GetInt64() - before.GetProperty("accountFeedReads").GetInt64());
    }

    [Theory]
    [InlineData("?since=-1", "since")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?since=abc", "since")]
    public async Task ProviderWideFeed_RefusesABadCursorOrLimit_WithAProblem(string query, string named)
    {
        var problem = await ProblemAssert.IsProblemAsync(await sim.Http.GetAsync("/v1/outcomes" + query), 400);

        Assert.Contains($"'{named}'", problem.GetProperty("detail").GetString());
    }

    private async Task<JsonElement> FeedAsync(string query)
    {
        using var response = await sim.Http.GetAsync("/v1/outcomes" + query);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<JsonElement> StatsAsync() => sim.FeedStatsAsync();
}
