using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary>Sender pools (BRIEF §11) through the REST API of API.md §3: accountIds in, pool health and bound accounts out.</summary>
[Collection(DashboardCollection.Name)]
public sealed class PoolApiTests(DashboardFixture fixture)
{
    private const string NextReset = "2026-12-01T00:00:00Z";

    private async Task<(string Ws, HttpClient Api, string Dry, string Full)> TwoSeatsAsync(int fullCredits = 50)
    {
        var (ws, _, api) = await fixture.CreateWorkspaceAsync();
        var dry = DashboardFixture.NewId("dry");
        var full = DashboardFixture.NewId("full");
        DashboardWorld.LinkedIn.Configure(dry, new OrleansBreaker.Upstream.SimulatedAccountSettings { InMailCredits = 0 });
        DashboardWorld.LinkedIn.Configure(full, new OrleansBreaker.Upstream.SimulatedAccountSettings { InMailCredits = fullCredits });
        foreach (var id in new[] { dry, full })
        {
            await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/accounts/{id}", DashboardFixture.Json(new { timeZone = "UTC" })), 200);
        }
        return (ws, api, dry, full);
    }

    private async Task<ICampaignGrain> PoolCampaignAsync(string ws, HttpClient api, string[] pool, int prospects, string id = "pool")
    {
        var created = await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/campaigns/{id}",
            DashboardFixture.Json(new { accountIds = pool, steps = new[] { new { action = "InMail" } } })), 200);
        Assert.Equal(pool, created.GetProperty("accountIds").EnumerateArray().Select(e => e.GetString()));
        await InMailScenario.ExpectAsync(api.PostAsync($"/api/workspaces/{ws}/campaigns/{id}/prospects",
            DashboardFixture.Json(new { prospects = Enumerable.Range(1, prospects).Select(i => new { id = $"lead-{i}" }) })), 202);
        return fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(ws, id));
    }

    [Fact]
    public async Task APoolCampaign_AnswersItsAccounts_ThePoolsHealthPerAction_AndDegraded_AndEachProspectsBoundAccount()
    {
        var (ws, api, dry, full) = await TwoSeatsAsync();
        var campaign = await PoolCampaignAsync(ws, api, [dry, full], prospects: 4);

        for (var i = 0; i < 3; i++)
        {
            await campaign.RunDueAsync();
        }

        var view = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/campaigns/pool"), 200);
        Assert.Equal(dry, view.GetProperty("accountId").GetString());
        Assert.Equal([dry, full], view.GetProperty("accountIds").EnumerateArray().Select(e => e.GetString()));
        // The dry seat tripped on its first InMail; the full one sent all four.
        Assert.Equal($$"""{"available":1,"total":2,"nextAt":"{{NextReset}}"}""", view.GetProperty("pool").GetProperty("InMail").GetRawText());
        Assert.True(view.GetProperty("degraded").GetBoolean());
        Assert.Equal(4, view.GetProperty("counters").GetProperty("sent").GetInt32());
        Assert.Equal(0, view.GetProperty("counters").GetProperty("skipped").GetInt32());

        var prospect = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/campaigns/pool/prospects/lead-1"), 200);
        Assert.Equal(("Done", full), (prospect.GetProperty("status").GetString(), prospect.GetProperty("accountId").GetString()));
        var ofFull = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/campaigns/pool/prospects?accountId={full}"), 200);
        Assert.Equal(4, ofFull.GetProperty("items").GetArrayLength());
        var ofDry = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/campaigns/pool/prospects?accountId={dry}"), 200);
        Assert.Equal(0, ofDry.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ASingleAccountCampaign_AnswersItsOneAccount_AndIsNeverMarkedDegraded_AndAnUnsentProspectIsUnbound()
    {
        var s = await InMailScenario.TripAsync(fixture);
        var view = await s.GetAsync($"/campaigns/{s.CampaignId}");
        Assert.Equal([s.AccountId], view.GetProperty("accountIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($$"""{"available":0,"total":1,"nextAt":"{{NextReset}}"}""", view.GetProperty("pool").GetProperty("InMail").GetRawText());
        Assert.False(view.GetProperty("degraded").GetBoolean());
        var prospect = await s.GetAsync($"/campaigns/{s.CampaignId}/prospects/lead-1");
        Assert.Equal(JsonValueKind.Null, prospect.GetProperty("accountId").ValueKind);
    }

    [Fact]
    public async Task SafetyMode_StopsEveryAccountOfAPool_NothingIsSent_AndTheProspectsSayWhy()
    {
        var (ws, api, _, full) = await TwoSeatsAsync();
        var other = DashboardFixture.NewId("other");
        DashboardWorld.LinkedIn.Configure(other, new OrleansBreaker.Upstream.SimulatedAccountSettings { InMailCredits = 50 });
        await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/accounts/{other}", DashboardFixture.Json(new { timeZone = "UTC" })), 200);
        var campaign = await PoolCampaignAsync(ws, api, [full, other], prospects: 3);
        await InMailScenario.TripSafetyModeAsync(fixture, ws);

        await campaign.RunDueAsync();
        await campaign.RunDueAsync();

        Assert.Equal(0, DashboardWorld.LinkedIn.View(full).Calls.Values.Sum() + DashboardWorld.LinkedIn.View(other).Calls.Values.Sum());
        var waiting = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/campaigns/pool/prospects?status=Waiting&reason=SafetyMode"), 200);
        Assert.True(waiting.GetProperty("items").GetArrayLength() >= 1);
        Assert.Equal(0, (await campaign.GetViewAsync()).Counters.Sent);
    }
}
