using System.Text.Json;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// One reply, two deliveries: the user's own sync posts it (<c>POST /events</c>) and LinkedIn's feed reports it
/// to the cluster's feed reader. The campaign counts it once, and shows one "Replied" activity.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class OutcomeFeedApiTests(DashboardFixture fixture)
{
    [Fact]
    public async Task AReplyPostedThroughEvents_AndReadFromTheProviderFeed_CountsOnce()
    {
        var (ws, _, api) = await fixture.CreateWorkspaceAsync();
        var accountId = DashboardFixture.NewId("acct");
        DashboardWorld.LinkedIn.Configure(accountId, new SimulatedAccountSettings { ReplyRate = 1.0 });
        await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/accounts/{accountId}", DashboardFixture.Json(new { })), 200);
        await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/campaigns/follow-up",
            DashboardFixture.Json(new { accountId, steps = new[] { new { action = "Message" } } })), 200);
        // "lead" is the reply reported twice; "mark" only by the feed, behind it: once "mark" counts, the feed's copy of "lead" has landed too.
        await InMailScenario.ExpectAsync(api.PostAsync($"/api/workspaces/{ws}/campaigns/follow-up/prospects",
            DashboardFixture.Json(new { prospects = new[] { new { id = "lead" }, new { id = "mark" } } })), 202);
        await fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(ws, "follow-up")).RunDueAsync();

        var posted = await InMailScenario.ExpectAsync(api.PostAsync($"/api/workspaces/{ws}/events", DashboardFixture.Json(new
        {
            accountId, action = "Message", kind = "Replied", prospectId = "lead", source = "crm-sync",
        })), 202);
        await fixture.Grains.GetGrain<IOutcomeFeedGrain>(OutcomeFeed.Key).ReadNowAsync();

        Assert.Equal(["follow-up"], posted.GetProperty("campaigns").EnumerateArray().Select(e => e.GetString()));
        Assert.True(await Cluster.Scenario.EventuallyAsync(async () => (await RepliedAsync(api, ws)).Count == 2, TimeSpan.FromSeconds(30)),
            $"replied: {(await RepliedAsync(api, ws)).Count}");
        var activity = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/campaigns/follow-up/activity?kind=Replied"), 200);
        Assert.Equal(["lead", "mark"], activity.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("prospectId").GetString()).Order());
    }

    private static async Task<(int Count, JsonElement View)> RepliedAsync(HttpClient api, string ws)
    {
        var view = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/campaigns/follow-up"), 200);
        return (view.GetProperty("counters").GetProperty("replied").GetInt32(), view);
    }
}
