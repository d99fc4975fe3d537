using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// One workspace set up through the REST API, with an account whose simulated LinkedIn has no InMail
/// credits left and an InMail campaign dispatched once: its InMail breaker is open and every prospect
/// skipped with "Skipped: account InMail credits exhausted".
/// </summary>
public sealed class InMailScenario
{
    public required string Workspace { get; init; }
    public required string Key { get; init; }
    public required HttpClient Api { get; init; }
    public required string AccountId { get; init; }
    public required string CampaignId { get; init; }
    public required ICampaignGrain Campaign { get; init; }
    public required string[] Prospects { get; init; }

    public static async Task<InMailScenario> TripAsync(DashboardFixture fixture, int prospects = 3)
    {
        var (workspace, key, api) = await fixture.CreateWorkspaceAsync();
        var accountId = DashboardFixture.NewId("acct");
        var campaignId = "inmail";
        DashboardWorld.LinkedIn.Configure(accountId, new OrleansBreaker.Upstream.SimulatedAccountSettings { InMailCredits = 0 });

        await ExpectAsync(api.PutAsync($"/api/workspaces/{workspace}/accounts/{accountId}", DashboardFixture.Json(new { timeZone = "UTC" })), 200);
        await ExpectAsync(api.PutAsync($"/api/workspaces/{workspace}/campaigns/{campaignId}",
            DashboardFixture.Json(new { accountId, steps = new[] { new { action = "InMail" } } })), 200);
        var ids = Enumerable.Range(1, prospects).Select(i => $"lead-{i}").ToArray();
        await ExpectAsync(api.PostAsync($"/api/workspaces/{workspace}/campaigns/{campaignId}/prospects",
            DashboardFixture.Json(new { prospects = ids.Select(id => new { id, profileUrl = $"https://www.linkedin.com/in/{id}" }) })), 202);

        // AutoDispatch is off in tests: dispatch once, as a campaign tick would.
        var campaign = fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(workspace, campaignId));
        await campaign.RunDueAsync();
        return new InMailScenario
        {
            Workspace = workspace, Key = key, Api = api, AccountId = accountId, CampaignId = campaignId, Campaign = campaign, Prospects = ids,
        };
    }

    public string Path(string rest = "") => $"/api/workspaces/{Workspace}{rest}";

    public async Task<JsonElement> GetAsync(string rest)
    {
        using var response = await Api.GetAsync(Path(rest));
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> ExpectAsync(Task<HttpResponseMessage> call, int status)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Trips a workspace's safety mode through its grain: one error from one account is enough with these thresholds.</summary>
    public static async Task TripSafetyModeAsync(DashboardFixture fixture, string workspace)
    {
        var safety = fixture.Grains.GetGrain<ISafetyModeGrain>(workspace);
        await safety.ConfigureAsync(new SafetySettings { Errors = 1, DistinctAccounts = 1 });
        var view = await safety.ReportErrorAsync(new SafetyErrorReport("some-account", "some-campaign", "some-prospect", OutcomeClass.UpstreamError, DashboardWorld.Time.GetUtcNow()));
        Assert.Equal(SafetyState.Open, view.State);
    }
}
