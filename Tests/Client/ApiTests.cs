using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary>Every REST endpoint of API.md §3 against the real app and cluster: status codes and JSON shapes exactly as written.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiTests(DashboardFixture fixture)
{
    private static readonly string[] AllActions = ["Invite", "Message", "InMail", "ViewProfile", "EngagePost", "EndorseSkill"];
    /// <summary>The next monthly reset after the tests' clock (late November 2026).</summary>
    private const string NextReset = "2026-12-01T00:00:00Z";

    [Fact]
    public async Task CreateWorkspace_Answers201WithIdAndKey_TheKeyWorks_SecondCreateIs409()
    {
        var id = DashboardFixture.NewId("ws");
        using var created = await fixture.Admin.PostAsync("/api/workspaces", DashboardFixture.Json(new { id }));
        Assert.Equal(201, (int)created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["apiKey", "id"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(id, body.GetProperty("id").GetString());
        var key = body.GetProperty("apiKey").GetString()!;
        Assert.True(key.Length >= 40, "the key carries 32 random bytes");

        var items = await InMailScenario.ExpectAsync(fixture.NewClient(key).GetAsync($"/api/workspaces/{id}/accounts"), 200);
        Assert.Equal(0, items.GetProperty("items").GetArrayLength());

        using var again = await fixture.Admin.PostAsync("/api/workspaces", DashboardFixture.Json(new { id }));
        await ProblemAssert.IsProblemAsync(again, 409);
    }

    [Fact]
    public async Task PutAccount_CreatesThenUpdates_AndAnswersTheAccountView()
    {
        var (ws, _, api) = await fixture.CreateWorkspaceAsync();
        var created = await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/accounts/a1",
            DashboardFixture.Raw("""{"timeZone":"UTC","limits":{"Invite":{"daily":20,"weekly":100}}}""")), 200);

        Assert.Equal("a1", created.GetProperty("id").GetString());
        Assert.Equal("Connected", created.GetProperty("status").GetString());
        Assert.Equal(AllActions, created.GetProperty("breakers").EnumerateObject().Select(p => p.Name));
        Assert.All(created.GetProperty("breakers").EnumerateObject(), b => Assert.Equal("""{"state":"Closed"}""", b.Value.GetRawText()));
        Assert.Equal(AllActions, created.GetProperty("usage").EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"today":0,"dailyCap":20,"thisWeek":0,"weeklyCap":100}""", created.GetProperty("usage").GetProperty("Invite").GetRawText());
        Assert.Equal("""{"today":0,"dailyCap":15,"thisWeek":0,"weeklyCap":50}""", created.GetProperty("usage").GetProperty("InMail").GetRawText());

        // All fields optional: a cap given alone keeps the other of its pair; an empty body changes nothing.
        var updated = await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/accounts/a1",
            DashboardFixture.Raw("""{"timeZone":"Europe/Paris","limits":{"Invite":{"daily":5}}}""")), 200);
        Assert.Equal(5, updated.GetProperty("usage").GetProperty("Invite").GetProperty("dailyCap").GetInt32());
        Assert.Equal(100, updated.GetProperty("usage").GetProperty("Invite").GetProperty("weeklyCap").GetInt32());
        Assert.Equal("Europe/Paris", updated.GetProperty("timeZone").GetString());
        var unchanged = await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/accounts/a1", null), 200);
        Assert.Equal(updated.GetRawText(), unchanged.GetRawText());

        var one = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/accounts/a1"), 200);
        Assert.Equal(updated.GetRawText(), one.GetRawText());
        var list = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{ws}/accounts"), 200);
        Assert.Equal(["items"], list.EnumerateObject().Select(p => p.Name));
        Assert.Equal(updated.GetRawText(), Assert.Single(list.GetProperty("items").EnumerateArray()).GetRawText());

        await ProblemAssert.IsProblemAsync(await api.GetAsync($"/api/workspaces/{ws}/accounts/nobody"), 404);
    }

    [Fact]
    public async Task TrippedInMailBreaker_ShowsOpenWithReasonAndTimes_OtherBreakersClosed()
    {
        var s = await InMailScenario.TripAsync(fixture);

        var account = await s.GetAsync($"/accounts/{s.AccountId}");
        var inMail = account.GetProperty("breakers").GetProperty("InMail");
        Assert.Equal("Open", inMail.GetProperty("state").GetString());
        Assert.Equal("CreditsExhausted", inMail.GetProperty("reason").GetString());
        Assert.Equal(NextReset, inMail.GetProperty("resumeAt").GetString());
        var trippedAt = inMail.GetProperty("trippedAt").GetString()!;
        Assert.EndsWith("Z", trippedAt);
        Assert.Equal(DashboardWorld.Time.GetUtcNow(), DateTimeOffset.Parse(trippedAt, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("""{"state":"Closed"}""", account.GetProperty("breakers").GetProperty("Invite").GetRawText());
        Assert.Equal(0, account.GetProperty("usage").GetProperty("InMail").GetProperty("today").GetInt32());
    }

    [Fact]
    public async Task Campaign_PutAndGet_AnswerTheCampaignView_WithSkipsWaitingAndResumeTimes()
    {
        var s = await InMailScenario.TripAsync(fixture);

        var campaign = await s.GetAsync($"/campaigns/{s.CampaignId}");
        Assert.Equal(s.CampaignId, campaign.GetProperty("id").GetString());
        Assert.Equal(s.AccountId, campaign.GetProperty("accountId").GetString());
        Assert.True(campaign.GetProperty("active").GetBoolean());
        Assert.Equal("""{"sent":0,"accepted":0,"replied":0,"skipped":3,"failed":0}""", campaign.GetProperty("counters").GetRawText());
        var step = Assert.Single(campaign.GetProperty("steps").EnumerateArray());
        Assert.Equal("InMail", step.GetProperty("action").GetString());
        Assert.Equal(3, step.GetProperty("waiting").GetInt32());
        Assert.Equal(NextReset, step.GetProperty("resumeAt").GetString());
        Assert.Equal(NextReset, campaign.GetProperty("resumeAt").GetString());

        // "A campaign is active unless active:false"; resumeAt is null when nothing is paused.
        var paused = await InMailScenario.ExpectAsync(s.Api.PutAsync(s.Path("/campaigns/other"), DashboardFixture.Raw(
            $$"""{"accountId":"{{s.AccountId}}","steps":[{"action":"ViewProfile"},{"action":"Invite","delayMinutes":0}],"active":false}""")), 200);
        Assert.False(paused.GetProperty("active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("resumeAt").ValueKind);
        Assert.Equal(["ViewProfile", "Invite"], paused.GetProperty("steps").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        var list = await s.GetAsync("/campaigns");
        Assert.Equal(2, list.GetProperty("items").GetArrayLength());

        await ProblemAssert.IsProblemAsync(await s.Api.GetAsync(s.Path("/campaigns/missing")), 404);
    }

    [Fact]
    public async Task AddingProspectsTwice_DoesNotEnrolThemTwice()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 2);

        var again = await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path($"/campaigns/{s.CampaignId}/prospects"), DashboardFixture.Raw(
            """{"prospects":[{"id":"lead-1","profileUrl":"https://www.linkedin.com/in/lead-1"},{"id":"new-1"},{"id":"new-1"}]}""")), 202);
        Assert.Equal("""{"added":1,"duplicates":2}""", again.GetRawText());
        Assert.Equal(3, (await s.GetAsync($"/campaigns/{s.CampaignId}")).GetProperty("prospects").GetInt32());

        await ProblemAssert.IsProblemAsync(await s.Api.PostAsync(s.Path("/campaigns/missing/prospects"), DashboardFixture.Raw("""{"prospects":[{"id":"p1"}]}""")), 404);
    }

    [Fact]
    public async Task Prospect_AnswersStepStatusTypedReasonAndResumeTime()
    {
        var s = await InMailScenario.TripAsync(fixture);

        var prospect = await s.GetAsync($"/campaigns/{s.CampaignId}/prospects/lead-2");
        Assert.Equal("lead-2", prospect.GetProperty("id").GetString());
        Assert.Equal(1, prospect.GetProperty("step").GetInt32());
        Assert.Equal("InMail", prospect.GetProperty("action").GetString());
        Assert.Equal("Waiting", prospect.GetProperty("status").GetString());
        Assert.Equal("InMailCreditsExhausted", prospect.GetProperty("reason").GetString());
        Assert.Equal(NextReset, prospect.GetProperty("resumeAt").GetString());

        await ProblemAssert.IsProblemAsync(await s.Api.GetAsync(s.Path($"/campaigns/{s.CampaignId}/prospects/nobody")), 404);
    }

    [Fact]
    public async Task Activity_FiltersByKindAndReason_NewestFirst_PagedWithAnOpaqueCursor()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 5);
        var filter = $"/campaigns/{s.CampaignId}/activity?kind=Skipped&reason=InMailCreditsExhausted";

        var all = await s.GetAsync(filter);
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next").ValueKind);
        var items = all.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(5, items.Count);
        var first = items[0];
        Assert.Equal(["accountId", "action", "at", "kind", "prospectId", "reason", "resumeAt", "text"], first.EnumerateObject().Select(p => p.Name).Order());
        Assert.All(items, e =>
        {
            Assert.Equal("Skipped", e.GetProperty("kind").GetString());
            Assert.Equal("InMailCreditsExhausted", e.GetProperty("reason").GetString());
            Assert.Equal("Skipped: account InMail credits exhausted", e.GetProperty("text").GetString());
            Assert.Equal("InMail", e.GetProperty("action").GetString());
            Assert.Equal(s.AccountId, e.GetProperty("accountId").GetString());
            Assert.Equal(NextReset, e.GetProperty("resumeAt").GetString());
            Assert.EndsWith("Z", e.GetProperty("at").GetString());
        });
        Assert.Equal(s.Prospects.Order(), items.Select(e => e.GetProperty("prospectId").GetString()!).Order());
        // Newest first: the log appends in dispatch order, lead-1 first.
        Assert.Equal("lead-5", items[0].GetProperty("prospectId").GetString());

        var paged = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await s.GetAsync(filter + "&limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            paged.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("prospectId").GetString()!));
            cursor = page.GetProperty("next").GetString();
            Assert.True(cursor is null || !cursor.All(char.IsAsciiDigit), "the cursor is opaque, not a bare sequence number");
            pages++;
        }
        while (cursor is not null && pages < 10);
        Assert.Equal(3, pages);
        Assert.Equal(items.Select(e => e.GetProperty("prospectId").GetString()!), paged);

        Assert.Equal(0, (await s.GetAsync($"/campaigns/{s.CampaignId}/activity?kind=Sent")).GetProperty("items").GetArrayLength());
        await ProblemAssert.IsProblemAsync(await s.Api.GetAsync(s.Path("/campaigns/missing/activity")), 404);
    }

    [Fact]
    public async Task SentInMailEvent_ClearsTheTrippedBreakerAtOnce_AndTheWaitingProspectsBecomeDue()
    {
        var s = await InMailScenario.TripAsync(fixture);
        DashboardWorld.Time.Advance(TimeSpan.FromMinutes(1)); // the success comes after the trip

        var accepted = await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Json(new
        {
            accountId = s.AccountId, action = "InMail", kind = "Sent", prospectId = "p9", source = "linkedin-sync",
        })), 202);
        Assert.Equal(s.AccountId, accepted.GetProperty("accountId").GetString());

        var account = await s.GetAsync($"/accounts/{s.AccountId}");
        Assert.Equal("""{"state":"Closed"}""", account.GetProperty("breakers").GetProperty("InMail").GetRawText());
        Assert.Equal(1, account.GetProperty("usage").GetProperty("InMail").GetProperty("today").GetInt32());
        Assert.True(await Cluster.Scenario.EventuallyAsync(async () =>
            (await s.GetAsync($"/campaigns/{s.CampaignId}/prospects/lead-1")).GetProperty("status").GetString() == "Due"));
    }

    [Fact]
    public async Task AcceptedAndRepliedEvents_ReachTheCampaignHoldingTheProspect_Once()
    {
        var s = await InMailScenario.TripAsync(fixture);

        var accepted = await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Raw(
            $$"""{"accountId":"{{s.AccountId}}","action":"Invite","kind":"Accepted","at":"2026-11-24T10:00:00Z","prospectId":"lead-1","campaignId":"{{s.CampaignId}}","source":"linkedin-sync"}""")), 202);
        Assert.Equal([s.CampaignId], accepted.GetProperty("campaigns").EnumerateArray().Select(e => e.GetString()));
        await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Json(new
        {
            accountId = s.AccountId, action = "InMail", kind = "Replied", prospectId = "lead-2", campaignId = s.CampaignId,
        })), 202);

        // The account hands them to the campaign one-way: wait for the counters.
        Assert.True(await Cluster.Scenario.EventuallyAsync(async () =>
        {
            var c = (await s.GetAsync($"/campaigns/{s.CampaignId}")).GetProperty("counters");
            return c.GetProperty("accepted").GetInt32() == 1 && c.GetProperty("replied").GetInt32() == 1;
        }, TimeSpan.FromSeconds(10)));
        var counters = (await s.GetAsync($"/campaigns/{s.CampaignId}")).GetProperty("counters");
        Assert.Equal(1, counters.GetProperty("accepted").GetInt32());
        Assert.Equal(1, counters.GetProperty("replied").GetInt32());
        Assert.Equal(0, counters.GetProperty("sent").GetInt32());
        var activity = await s.GetAsync($"/campaigns/{s.CampaignId}/activity?kind=Accepted");
        Assert.Equal("lead-1", Assert.Single(activity.GetProperty("items").EnumerateArray()).GetProperty("prospectId").GetString());

        // A prospect this account never delivered to is still recorded on the account, and reaches no campaign.
        var nowhere = await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Json(new
        {
            accountId = s.AccountId, action = "Invite", kind = "Accepted", prospectId = "elsewhere",
        })), 202);
        Assert.Equal(0, nowhere.GetProperty("campaigns").GetArrayLength());
        await ProblemAssert.IsProblemAsync(await s.Api.PostAsync(s.Path("/events"), DashboardFixture.Json(new
        {
            accountId = s.AccountId, action = "Invite", kind = "Accepted", prospectId = "elsewhere", campaignId = s.CampaignId,
        })), 404);
        await ProblemAssert.IsProblemAsync(await s.Api.PostAsync(s.Path("/events"), DashboardFixture.Json(new
        {
            accountId = "nobody", action = "InMail", kind = "Sent",
        })), 404);
    }

    [Fact]
    public async Task Safety_AnswersItsStateAndCounts()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);

        var safety = await s.GetAsync("/safety");
        // Closed and never tripped: both times are present, and null.
        foreach (var name in new[] { "trippedAt", "resumeAt" })
        {
            Assert.True(safety.TryGetProperty(name, out var time), name);
            Assert.Equal(JsonValueKind.Null, time.ValueKind);
        }
        Assert.Equal(JsonValueKind.Number, safety.GetProperty("recentErrors").ValueKind);
        Assert.Equal(JsonValueKind.Number, safety.GetProperty("recentAccounts").ValueKind);
        // One account, no transient errors: this workspace's safety mode is closed and quiet.
        Assert.Equal("Closed", safety.GetProperty("state").GetString());
        Assert.Equal(0, safety.GetProperty("recentErrors").GetInt32());
    }

    [Fact]
    public async Task Safety_WhenTripped_AnswersOpenWithItsTimes()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);
        await InMailScenario.TripSafetyModeAsync(fixture, s.Workspace);

        var safety = await s.GetAsync("/safety");
        Assert.Equal("Open", safety.GetProperty("state").GetString());
        Assert.EndsWith("Z", safety.GetProperty("trippedAt").GetString());
        Assert.EndsWith("Z", safety.GetProperty("resumeAt").GetString());
        Assert.True(safety.GetProperty("recentErrors").GetInt32() >= 1);
        Assert.True(safety.GetProperty("recentAccounts").GetInt32() >= 1);
    }
}
