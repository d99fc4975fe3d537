using System.Net.Http.Json;
using System.Text.Json;
using OrleansBreaker.Accounts;
using OrleansBreaker.Tests.Cluster;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// API.md §3: an account's InMail credit reset day (<c>resetDay</c>, 1-31) set with <c>PUT /accounts/{id}</c>;
/// a credits-exhausted trip then resumes on that day of the month, not on the 1st. On the recorded
/// cluster's own clock, which this test moves by weeks.
/// </summary>
[Collection(RecordedClusterCollection.Name)]
public sealed class ResetDayApiTests(RecordedClusterFixture fixture)
{
    [Fact]
    public async Task ResetDaySetThroughTheApi_ATripResumesOnThatDayOfNextMonth_NotOnTheFirst()
    {
        // From the 20th of a month, so that the 15th to come is next month's and the 1st lies between.
        var now = RecordedWorld.Time.GetUtcNow();
        var twentieth = new DateTimeOffset(now.Year, now.Month, 20, 10, 0, 0, TimeSpan.Zero);
        await RecordedClusterFixture.AdvanceToAsync(twentieth > now ? twentieth : twentieth.AddMonths(1), TimeSpan.FromHours(12));
        now = RecordedWorld.Time.GetUtcNow();
        var firstOfNext = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        var fifteenth = firstOfNext.AddDays(14);

        var host = await fixture.DashboardAsync();
        var ws = DashboardFixture.NewId("ws");
        using var created = await host.Client(DashboardHost.AdminKey).PostAsync("/api/workspaces", DashboardFixture.Json(new { id = ws }));
        Assert.Equal(201, (int)created.StatusCode);
        var api = host.Client((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!);
        var accountId = DashboardFixture.NewId("acct");
        var account = $"/api/workspaces/{ws}/accounts/{accountId}";
        RecordedWorld.LinkedIn.Configure(accountId, new SimulatedAccountSettings { InMailCredits = 0 });

        await InMailScenario.ExpectAsync(api.PutAsync(account, DashboardFixture.Json(new { timeZone = "UTC", resetDay = 15 })), 200);
        // Out of range or not a number: refused, and the day already set stays.
        foreach (var bad in new[] { """{"resetDay":0}""", """{"resetDay":32}""", """{"resetDay":"15"}""", """{"resetDay":1.5}""" })
        {
            var problem = await ProblemAssert.IsProblemAsync(await api.PutAsync(account, DashboardFixture.Raw(bad)), 400);
            Assert.Contains("resetDay", problem.GetProperty("detail").GetString());
        }
        // An update that does not name the day keeps it.
        await InMailScenario.ExpectAsync(api.PutAsync(account, DashboardFixture.Json(new { limits = new { InMail = new { daily = 10 } } })), 200);

        await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{ws}/campaigns/inmail",
            DashboardFixture.Json(new { accountId, steps = new[] { new { action = "InMail" } } })), 200);
        await InMailScenario.ExpectAsync(api.PostAsync($"/api/workspaces/{ws}/campaigns/inmail/prospects",
            DashboardFixture.Json(new { prospects = new[] { new { id = "lead-1", profileUrl = "https://www.linkedin.com/in/lead-1" } } })), 202);
        await fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(ws, "inmail")).RunDueAsync(); // AutoDispatch is off in tests

        var tripped = await InMailBreakerAsync(api, account);
        Assert.Equal("Open", tripped.GetProperty("state").GetString());
        Assert.Equal(fifteenth, tripped.GetProperty("resumeAt").GetDateTimeOffset());

        // Past the 1st of next month (and its jitter): still open, the account renews on the 15th.
        await RecordedClusterFixture.AdvanceToAsync(firstOfNext + ResetCalendar.MaxJitter + TimeSpan.FromMinutes(2), TimeSpan.FromHours(6));
        await RecordedClusterFixture.AdvanceToAsync(fifteenth - TimeSpan.FromMinutes(1), TimeSpan.FromHours(6));
        Assert.Equal("Open", (await InMailBreakerAsync(api, account)).GetProperty("state").GetString());

        // On the 15th, once its jittered reminder fires: resumed, and the waiting prospect is due again.
        await RecordedClusterFixture.AdvanceAsync(ResetCalendar.MaxJitter + TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Assert.True(await Scenario.EventuallyAsync(async () => (await InMailBreakerAsync(api, account)).GetProperty("state").GetString() != "Open"),
            $"not resumed on the 15th: {await InMailBreakerAsync(api, account)}");
        Assert.True(await Scenario.EventuallyAsync(async () =>
        {
            using var response = await api.GetAsync($"/api/workspaces/{ws}/campaigns/inmail/prospects/lead-1");
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "Due";
        }));
    }

    private static async Task<JsonElement> InMailBreakerAsync(HttpClient api, string account)
    {
        using var response = await api.GetAsync(account);
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("breakers").GetProperty("InMail").Clone();
    }
}
