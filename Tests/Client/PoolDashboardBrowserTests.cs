using OpenQA.Selenium;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// A pool in a real browser: the campaign page shows each account's state for the campaign's actions and the
/// prospects it holds, the degraded banner, why prospects wait (each reason opening the paged list of those
/// prospects), and a prospect its bound account.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class PoolDashboardBrowserTests(DashboardFixture fixture)
{
    [Fact]
    public async Task PoolCampaignPage_ShowsEachSeatsState_HeldProspects_TheDegradedBanner_AndWaitingByReason()
    {
        var (workspace, key, api) = await fixture.CreateWorkspaceAsync();
        // "rich" has 2 InMail credits, "dry" none: the pool sends 2 from rich, then every seat is dry.
        var rich = DashboardFixture.NewId("rich");
        var dry = DashboardFixture.NewId("dry");
        DashboardWorld.LinkedIn.Configure(rich, new OrleansBreaker.Upstream.SimulatedAccountSettings { InMailCredits = 2 });
        DashboardWorld.LinkedIn.Configure(dry, new OrleansBreaker.Upstream.SimulatedAccountSettings { InMailCredits = 0 });
        foreach (var account in new[] { rich, dry })
        {
            await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{workspace}/accounts/{account}", DashboardFixture.Json(new { timeZone = "UTC" })), 200);
        }
        await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{workspace}/campaigns/team",
            DashboardFixture.Json(new { accountIds = new[] { rich, dry }, steps = new[] { new { action = "InMail" } } })), 200);
        var ids = Enumerable.Range(1, 60).Select(i => $"lead-{i:D2}").ToArray();
        await InMailScenario.ExpectAsync(api.PostAsync($"/api/workspaces/{workspace}/campaigns/team/prospects",
            DashboardFixture.Json(new { prospects = ids.Select(id => new { id, profileUrl = $"https://www.linkedin.com/in/{id}" }) })), 202);
        var campaign = fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(workspace, "team"));
        for (var i = 0; i < 10 && await campaign.RunDueAsync() > 0; i++)
        {
        }
        var view = await campaign.GetViewAsync();
        Assert.True(view.Degraded);
        Assert.Equal(2, view.Counters.Sent);

        using var browser = new Browser(fixture.BaseAddress, "pool-campaign");
        browser.Open($"/w/{workspace}");
        browser.Find("#key").SendKeys(key);
        browser.ClickAndWait("#sign-in", $"/w/{workspace}");

        browser.Open($"/w/{workspace}/campaigns/team");
        browser.Screenshot("pool-campaign");
        Assert.Contains("On a pool of", browser.Find("#campaign-accounts").Text);
        Assert.Contains("only 0 of 2 accounts can send InMail", browser.Find("#degraded-banner").Text);
        var seats = browser.FindAll("#pool .pool-seat");
        Assert.Equal([rich, dry], seats.Select(s => s.GetAttribute("data-account")));
        // rich sent its 2 and holds those prospects; both seats show the InMail breaker open.
        Assert.Equal("2", seats[0].FindElement(By.CssSelector(".bound")).Text);
        Assert.Equal("0", seats[1].FindElement(By.CssSelector(".bound")).Text);
        Assert.All(seats, s => Assert.Contains("InMailCreditsExhausted", s.FindElement(By.CssSelector(".seat-state[data-action=InMail]")).Text));
        // The pool's sends per day: today's stacked bar is rich's 2; the legend counts each seat.
        Assert.True(browser.Find("#chart-pool").Displayed);
        Assert.Equal([$"{rich}: 2", $"{dry}: 0"], browser.FindAll("#pool-history .pool-legend").Select(l => l.Text.Trim()));
        var reasons = browser.FindAll("#waiting-by-reason .waiting-reason-row");
        var waiting = Assert.Single(reasons);
        Assert.Equal("InMailCreditsExhausted", waiting.GetAttribute("data-reason"));
        Assert.Equal("58", waiting.FindElement(By.CssSelector(".num")).Text);

        // The reason opens the paged list of exactly those prospects: 50 on the first page, 8 on the next.
        browser.ClickAndWait("#waiting-by-reason a", $"/w/{workspace}/campaigns/team?tab=waiting&reason=InMailCreditsExhausted");
        browser.Screenshot("pool-waiting");
        var first = browser.FindAll("#waiting .waiting-row");
        Assert.Equal(50, first.Count);
        Assert.All(first, r => Assert.Contains("not bound yet", r.Text));
        var listed = first.Select(r => r.FindElement(By.CssSelector(".prospect-link")).Text).ToList();
        browser.ClickAndWait("#waiting-next", $"/w/{workspace}/campaigns/team?tab=waiting&reason=InMailCreditsExhausted&cursor=");
        var second = browser.FindAll("#waiting .waiting-row");
        Assert.Equal(8, second.Count);
        Assert.Empty(browser.FindAll("#waiting-next"));
        listed.AddRange(second.Select(r => r.FindElement(By.CssSelector(".prospect-link")).Text));
        Assert.Equal(58, listed.Distinct().Count());

        // A prospect rich delivered to shows its bound account.
        var sent = (await campaign.ListProspectsAsync(new ProspectQuery { Status = ProspectStatus.Done, Limit = 10 })).Items;
        browser.Open($"/w/{workspace}/campaigns/team/prospects/{sent[0].Id}");
        browser.Screenshot("pool-prospect");
        Assert.Equal(rich, browser.Find("#prospect-account a").Text);

        // dry's page: 14 days of InMail, nothing delivered, its trip marked in red.
        browser.Open($"/w/{workspace}/accounts/{dry}");
        browser.Screenshot("pool-account-history");
        var chart = browser.Find("#history #chart-InMail");
        Assert.True(chart.Displayed);
        Assert.Equal(14, chart.FindElements(By.CssSelector("rect.bar")).Count);
        Assert.Single(chart.FindElements(By.CssSelector("line.trip")));
        Assert.Equal("rgb(179, 38, 30)", chart.FindElement(By.CssSelector("line.trip")).GetCssValue("stroke"));

        // A reason that is not one is a clear 400 on the page, not a crash.
        browser.Open($"/w/{workspace}/campaigns/team?tab=waiting&reason=Sunspots");
        Assert.Contains("reason must be one of", browser.Find("#filter-error").Text);
        Assert.Contains("got 'Sunspots'", browser.Find("#filter-error").Text);
    }
}
