using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary><c>GET .../campaigns/{id}/prospects</c> (API.md §3): "why are my prospects stuck", many at a time, paged.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ProspectListApiTests(DashboardFixture fixture)
{
    [Fact]
    public async Task WaitingProspects_ArePagedByReason_EachOnce_InIdOrder()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 7);
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await s.GetAsync($"/campaigns/{s.CampaignId}/prospects?status=Waiting&reason=InMailCreditsExhausted&limit=3"
                + (cursor is null ? "" : $"&cursor={cursor}"));
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.All(items, p =>
            {
                Assert.Equal("Waiting", p.GetProperty("status").GetString());
                Assert.Equal("InMailCreditsExhausted", p.GetProperty("reason").GetString());
                Assert.False(p.GetProperty("resumeAt").ValueKind == JsonValueKind.Null, "a waiting prospect says until when");
            });
            seen.AddRange(items.Select(p => p.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(s.Prospects.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task Filters_NarrowTheList_AndAnotherAccountOrStatusFindsNone()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 2);

        var all = await s.GetAsync($"/campaigns/{s.CampaignId}/prospects");
        var mine = await s.GetAsync($"/campaigns/{s.CampaignId}/prospects?accountId={s.AccountId}&status=&reason=");
        var otherAccount = await s.GetAsync($"/campaigns/{s.CampaignId}/prospects?accountId=someone-else");
        var done = await s.GetAsync($"/campaigns/{s.CampaignId}/prospects?status=Done");

        Assert.Equal(2, all.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next").ValueKind);
        Assert.Equal(2, mine.GetProperty("items").GetArrayLength());
        Assert.Equal(0, otherAccount.GetProperty("items").GetArrayLength());
        Assert.Equal(0, done.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("status=Stuck", "status must be one of")]
    [InlineData("reason=None", "reason must be one of")]
    [InlineData("limit=0", "limit must be a whole number from 1 to 500")]
    [InlineData("limit=501", "limit must be a whole number from 1 to 500")]
    [InlineData("cursor=%21%21", "is not one this API gave")]
    [InlineData("accountId=a%20b", "accountId must match")]
    [InlineData("status=Done&status=Waiting", "more than once")]
    public async Task BadQuery_Is400WithADetail(string query, string detail)
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);

        var problem = await ProblemAssert.IsProblemAsync(await s.Api.GetAsync(s.Path($"/campaigns/{s.CampaignId}/prospects?{query}")), 400);

        Assert.Contains(detail, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task MissingCampaign_Is404()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);

        await ProblemAssert.IsProblemAsync(await s.Api.GetAsync(s.Path("/campaigns/nowhere/prospects")), 404);
    }
}
