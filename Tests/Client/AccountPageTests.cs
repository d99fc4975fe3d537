using System.Net;
using System.Text.RegularExpressions;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// The account page lists the campaigns that send from the account, found through the workspace
/// directory: it reads those campaigns' views and no other (issue 11: one page was one grain call per
/// campaign of the workspace).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class AccountPageTests(DashboardFixture fixture)
{
    private static readonly GrainType CampaignGrainType = GrainType.Create("campaign");

    [Fact]
    public async Task AccountPage_ListsExactlyItsCampaigns_AndActivatesNoCampaignOfAnotherAccount()
    {
        using var w = await AccountPageWorld.CreateAsync(fixture, accounts: 2);
        await w.PutCampaignAsync("a1", w.Accounts[0]);
        await w.PutCampaignAsync("a2", w.Accounts[0]);
        await w.PutCampaignAsync("b1", w.Accounts[1]);
        // b1 is not active now; only reading it would bring it back (nothing is due in it to wake it).
        await fixture.Cluster.DeactivateAsync(w.Campaign("b1"));
        Assert.DoesNotContain(w.CampaignGrainId("b1"), await ActiveCampaignsAsync());

        Assert.Equal(["a1", "a2"], await w.CampaignsOnPageAsync(w.Accounts[0]));

        Assert.DoesNotContain(w.CampaignGrainId("b1"), await ActiveCampaignsAsync());
    }

    [Fact]
    public async Task ACampaignMovedToAnotherAccount_MovesBetweenTheTwoAccountPages()
    {
        using var w = await AccountPageWorld.CreateAsync(fixture, accounts: 2);
        await w.PutCampaignAsync("mover", w.Accounts[0]);
        await w.PutCampaignAsync("stayer", w.Accounts[0]);
        Assert.Equal(["mover", "stayer"], await w.CampaignsOnPageAsync(w.Accounts[0]));
        Assert.Empty(await w.CampaignsOnPageAsync(w.Accounts[1]));

        await w.PutCampaignAsync("mover", w.Accounts[1]);

        Assert.Equal(["stayer"], await w.CampaignsOnPageAsync(w.Accounts[0]));
        Assert.Equal(["mover"], await w.CampaignsOnPageAsync(w.Accounts[1]));

        await w.PutCampaignAsync("mover", w.Accounts[0]);

        Assert.Equal(["mover", "stayer"], await w.CampaignsOnPageAsync(w.Accounts[0]));
        Assert.Empty(await w.CampaignsOnPageAsync(w.Accounts[1]));
    }

    private async Task<List<GrainId>> ActiveCampaignsAsync() =>
        await fixture.Grains.GetGrain<IManagementGrain>(0).GetActiveGrains(CampaignGrainType);
}

/// <summary>A workspace made through the API with some accounts, and a dashboard session signed in to it (cookies, as a browser holds them).</summary>
public sealed partial class AccountPageWorld : IDisposable
{
    private readonly DashboardFixture _fixture;
    private readonly HttpClient _api;
    private readonly HttpClient _session;

    private AccountPageWorld(DashboardFixture fixture, string workspace, HttpClient api, HttpClient session, string[] accounts)
    {
        _fixture = fixture;
        Workspace = workspace;
        _api = api;
        _session = session;
        Accounts = accounts;
    }

    public string Workspace { get; }

    public string[] Accounts { get; }

    public static async Task<AccountPageWorld> CreateAsync(DashboardFixture fixture, int accounts)
    {
        var (workspace, key, api) = await fixture.CreateWorkspaceAsync();
        var ids = Enumerable.Range(0, accounts).Select(_ => DashboardFixture.NewId("acct")).ToArray();
        foreach (var id in ids)
        {
            await InMailScenario.ExpectAsync(api.PutAsync($"/api/workspaces/{workspace}/accounts/{id}", DashboardFixture.Json(new { timeZone = "UTC" })), 200);
        }
        var session = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(60),
        };
        var world = new AccountPageWorld(fixture, workspace, api, session, ids);
        await world.SignInAsync(key);
        return world;
    }

    public async Task PutCampaignAsync(string campaignId, string accountId) =>
        await InMailScenario.ExpectAsync(_api.PutAsync($"/api/workspaces/{Workspace}/campaigns/{campaignId}",
            DashboardFixture.Json(new { accountId, steps = new[] { new { action = "ViewProfile" } } })), 200);

    public ICampaignGrain Campaign(string campaignId) => _fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Workspace, campaignId));

    public GrainId CampaignGrainId(string campaignId) => Campaign(campaignId).GetGrainId();

    /// <summary>The campaign ids the account page links to, in page order.</summary>
    public async Task<string[]> CampaignsOnPageAsync(string accountId)
    {
        using var response = await _session.GetAsync($"/w/{Workspace}/accounts/{accountId}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"account page: {(int)response.StatusCode} {html}");
        var prefix = Regex.Escape($"/w/{Workspace}/campaigns/");
        return [.. Regex.Matches(html, $"href=\"{prefix}([^\"/?]+)\"").Select(m => m.Groups[1].Value)];
    }

    private async Task SignInAsync(string key)
    {
        var form = await _session.GetStringAsync("/signin");
        var token = AntiforgeryToken().Match(form);
        Assert.True(token.Success, "the sign-in form carries an antiforgery token");
        using var response = await _session.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["key"] = key,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/w/{Workspace}", response.Headers.Location?.OriginalString);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]*)\"")]
    private static partial Regex AntiforgeryToken();

    public void Dispose() => _session.Dispose();
}
