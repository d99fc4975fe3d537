using OpenQA.Selenium;
using Xunit.Abstractions;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// The dashboard in a real browser: sign in with a workspace key, see the tripped InMail breaker with its
/// resume time, filter the Activity tab to the skip text, open a waiting prospect and read why it waits,
/// and find another workspace's pages unreachable.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardBrowserTests(DashboardFixture fixture, ITestOutputHelper output)
{
    private const string HostileUrl = "https://www.linkedin.com/in/x\"><script>window.pwned=1</script><b>bold</b>";

    [Fact]
    public async Task SupportJourney_TrippedInMailBreaker_SkipFilter_WaitingProspect_OtherWorkspaceUnreachable()
    {
        var s = await InMailScenario.TripAsync(fixture);
        var other = await InMailScenario.TripAsync(fixture, prospects: 1);
        var resumeAt = (await fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(s.Workspace, s.AccountId)).GetViewAsync())
            .Breakers[ActionType.InMail].ResumeAt!.Value;
        await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path($"/campaigns/{s.CampaignId}/prospects"),
            DashboardFixture.Json(new { prospects = new[] { new { id = "hostile", profileUrl = HostileUrl } } })), 202);
        var resumeText = OrleansBreaker.Client.Web.Display.Utc(resumeAt);
        output.WriteLine($"screenshots: {Browser.ScreenshotFolder}");

        using var browser = new Browser(fixture.BaseAddress, "support-journey");
        try
        {
            // Signing in with the workspace key lands on the overview.
            browser.Open($"/w/{s.Workspace}");
            Assert.StartsWith("/signin", browser.PathAndQuery);
            browser.Find("#key").SendKeys(s.Key);
            browser.Screenshot("sign-in");
            browser.ClickAndWait("#sign-in", $"/w/{s.Workspace}");

            var cell = browser.Find($"#breaker-{s.AccountId}-InMail");
            browser.Screenshot("overview");
            Assert.Equal("Open", cell.GetAttribute("data-state"));
            Assert.Contains("InMail credits exhausted", cell.Text);
            Assert.Contains(resumeText, cell.Text);
            Assert.Contains("in 6 days", cell.Text);
            Assert.Equal("Closed", browser.Find($"#breaker-{s.AccountId}-Invite").GetAttribute("data-state"));

            // The account page: trip evidence and how it clears; no way to force it.
            browser.ClickAndWait(".account-link", $"/w/{s.Workspace}/accounts/");
            var card = browser.Find("#breaker-InMail");
            browser.Screenshot("account");
            Assert.Contains(resumeText, card.Text);
            Assert.Contains("monthly reset", card.FindElement(By.CssSelector(".clears-by")).Text);
            Assert.Empty(browser.FindAll("button[name*=clear i], form[action*=clear i]"));

            // The campaign's Activity tab, filtered in one click to the skip text.
            browser.Open($"/w/{s.Workspace}/campaigns/{s.CampaignId}");
            Assert.Contains(resumeText, browser.Find("#steps").Text);
            browser.ClickAndWait("#tab-activity", $"/w/{s.Workspace}/campaigns/{s.CampaignId}?tab=activity");
            browser.ClickAndWait("#filter-inmail-skips", $"/w/{s.Workspace}/campaigns/{s.CampaignId}?tab=activity&kind=Skipped&reason=InMailCreditsExhausted");
            var rows = browser.FindAll("#activity .activity-row");
            browser.Screenshot("activity-skips");
            Assert.Equal(3, rows.Count);
            Assert.All(rows, r => Assert.Equal("Skipped: account InMail credits exhausted", r.FindElement(By.CssSelector(".text")).Text));

            // The form's "any" choices submit empty values: they mean no filter, never a 400.
            var campaignPage = $"/w/{s.Workspace}/campaigns/{s.CampaignId}";
            browser.Find("#filter-kind option[value='']").Click();
            browser.ClickAndWaitFor("#activity-filter button[type=submit]", $"{campaignPage}?tab=activity&reason=InMailCreditsExhausted");
            browser.Screenshot("activity-any-kind");
            Assert.Empty(browser.FindAll("#filter-error"));
            Assert.True(browser.FindAll("#activity .activity-row").Count >= rows.Count);
            browser.Find("#filter-reason option[value='']").Click();
            browser.ClickAndWaitFor("#activity-filter button[type=submit]", $"{campaignPage}?tab=activity");
            Assert.Empty(browser.FindAll("#filter-error"));
            Assert.True(browser.FindAll("#activity .activity-row").Count >= rows.Count);

            // A waiting prospect says why it waits and until when.
            browser.ClickAndWait("#activity .activity-row .prospect-link", $"/w/{s.Workspace}/campaigns/{s.CampaignId}/prospects/");
            browser.Screenshot("prospect");
            Assert.Equal("Waiting", browser.Find("#prospect-status").Text);
            Assert.Equal("InMailCreditsExhausted", browser.Find("#prospect-reason").Text);
            Assert.Contains(resumeText, browser.Find("#prospect-resume").Text);
            Assert.Contains("ran out of InMail credits", browser.Find("#prospect-why").Text);

            // "Why is it stuck?" by prospect id, from the campaign page.
            browser.Open($"/w/{s.Workspace}/campaigns/{s.CampaignId}");
            browser.Find("#prospect-id").SendKeys("lead-2");
            browser.ClickAndWait("#find-prospect button", $"/w/{s.Workspace}/campaigns/{s.CampaignId}/prospects/lead-2");
            Assert.Equal("InMailCreditsExhausted", browser.Find("#prospect-reason").Text);

            // User-supplied text is shown as text, never run.
            browser.Open($"/w/{s.Workspace}/campaigns/{s.CampaignId}/prospects/hostile");
            Assert.Equal(HostileUrl, browser.Find("#prospect-profile").Text);
            Assert.Equal(true, ((IJavaScriptExecutor)browser.Driver).ExecuteScript("return typeof window.pwned === 'undefined';"));

            // Another workspace's pages are not there, whatever they hold.
            foreach (var path in new[] { $"/w/{other.Workspace}", $"/w/{other.Workspace}/accounts/{other.AccountId}", $"/w/{other.Workspace}/campaigns/{other.CampaignId}?tab=activity" })
            {
                browser.Open(path);
                Assert.Equal("404 · Not found", browser.Find("#error-title").Text);
            }
            browser.Screenshot("other-workspace");

            // The workspace's temporary safety mode, when open, is a banner over everything.
            browser.Open($"/w/{s.Workspace}");
            Assert.Empty(browser.FindAll("#safety-banner"));
            await InMailScenario.TripSafetyModeAsync(fixture, s.Workspace);
            browser.Open($"/w/{s.Workspace}");
            Assert.Contains("Temporary safety mode is Open", browser.Find("#safety-banner").Text);
            browser.Screenshot("safety-mode");

            browser.ClickAndWait("#sign-out", "/signin");
            browser.Open($"/w/{s.Workspace}");
            Assert.StartsWith("/signin", browser.PathAndQuery);
        }
        catch
        {
            output.WriteLine("failed at: " + browser.Screenshot("failure"));
            throw;
        }
    }
}
