using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// <c>POST /events</c> takes only plausible events (API.md §3, BRIEF §7), counts each once, and routes an
/// accept or reply to the campaign whose delivery it follows without asking every campaign.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class EventsApiRulesTests(DashboardFixture fixture)
{
    [Theory]
    [InlineData("2099-01-01T00:00:00Z", "in the future")]
    [InlineData("9999-12-31T23:59:59Z", "")]
    public async Task SentEventFromTheFuture_Is400_AndTheTrippedBreakerStaysOpen(string at, string detail)
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);

        var problem = await ProblemAssert.IsProblemAsync(await s.Api.PostAsync(s.Path("/events"), DashboardFixture.Raw(
            $$"""{"accountId":"{{s.AccountId}}","action":"InMail","kind":"Sent","at":"{{at}}"}""")), 400);

        Assert.Contains(detail, problem.GetProperty("detail").GetString());
        var account = await s.GetAsync($"/accounts/{s.AccountId}");
        Assert.Equal("Open", account.GetProperty("breakers").GetProperty("InMail").GetProperty("state").GetString());
        Assert.Equal(0, account.GetProperty("usage").GetProperty("InMail").GetProperty("today").GetInt32());
        // The account still takes plausible events: nothing was bricked.
        DashboardWorld.Time.Advance(TimeSpan.FromMinutes(1));
        await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Json(new { accountId = s.AccountId, action = "InMail", kind = "Sent" })), 202);
        Assert.Equal("Closed", (await s.GetAsync($"/accounts/{s.AccountId}")).GetProperty("breakers").GetProperty("InMail").GetProperty("state").GetString());
    }

    [Fact]
    public async Task SameEventPostedTwice_CountsOnce()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);
        DashboardWorld.Time.Advance(TimeSpan.FromMinutes(1));
        var at = DashboardWorld.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var body = $$"""{"accountId":"{{s.AccountId}}","action":"Invite","kind":"Sent","at":"{{at}}","prospectId":"p9","source":"linkedin-sync"}""";

        await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Raw(body)), 202);
        await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Raw(body)), 202);

        var usage = (await s.GetAsync($"/accounts/{s.AccountId}")).GetProperty("usage").GetProperty("Invite");
        Assert.Equal(1, usage.GetProperty("today").GetInt32());
    }

    [Fact]
    public async Task AcceptedWithoutItsCampaign_ReachesTheCampaignThatDeliveredToTheProspect_Once()
    {
        var (ws, _, api) = await fixture.CreateWorkspaceAsync();
        var accountId = DashboardFixture.NewId("acct");
        await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/accounts/{accountId}", DashboardFixture.Json(new { })), 200);
        foreach (var campaignId in new[] { "first", "second" })
        {
            await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/campaigns/{campaignId}",
                DashboardFixture.Json(new { accountId, steps = new[] { new { action = "Invite" } } })), 200);
        }
        // Only "second" holds and delivers to "lead".
        await InMailScenario.ExpectAsync(api.PostAsync($"/api/workspaces/{ws}/campaigns/second/prospects",
            DashboardFixture.Json(new { prospects = new[] { new { id = "lead" } } })), 202);
        await fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(ws, "second")).RunDueAsync();

        var body = $$"""{"accountId":"{{accountId}}","action":"Invite","kind":"Accepted","prospectId":"lead"}""";
        var first = await InMailScenario.ExpectAsync(api.PostAsync($"/api/workspaces/{ws}/events", DashboardFixture.Raw(body)), 202);
        await InMailScenario.ExpectAsync(api.PostAsync($"/api/workspaces/{ws}/events", DashboardFixture.Raw(body)), 202);

        Assert.Equal(["second"], first.GetProperty("campaigns").EnumerateArray().Select(e => e.GetString()));
        Assert.True(await Cluster.Scenario.EventuallyAsync(async () => await AcceptedAsync(api, ws, "second") == 1, TimeSpan.FromSeconds(10)));
        await Task.Delay(300); // a second count, if there were one, would have landed by now
        Assert.Equal(1, await AcceptedAsync(api, ws, "second"));
        Assert.Equal(0, await AcceptedAsync(api, ws, "first"));
    }

    private static async Task<int> AcceptedAsync(HttpClient api, string ws, string campaignId)
    {
        var view = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/campaigns/{campaignId}"), 200);
        return view.GetProperty("counters").GetProperty("accepted").GetInt32();
    }
}
