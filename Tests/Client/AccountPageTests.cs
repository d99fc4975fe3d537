using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansBreaker.Hosting;
using OrleansBreaker.Workspaces;

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
    public async Task AWarmingUpAccount_ShowsItsDayAndItsRampedAndFullCaps_AndNothingOnceEnded()
    {
        using var w = await AccountPageWorld.CreateAsync(fixture, accounts: 1);
        Assert.DoesNotContain("id=\"warm-up\"", await w.PageAsync(w.Accounts[0]));

        await w.PutAccountAsync(w.Accounts[0], """{"limits":{"Invite":{"daily":20,"weekly":100}},"warmUp":{"days":21}}""");
        var html = await w.PageAsync(w.Accounts[0]);
        Assert.Contains("id=\"warm-up\" data-day=\"1\" data-days=\"21\"", html);
        Assert.Contains("0 / 4 (warm-up; full 20)", html);
        Assert.Contains("0 / 20 (warm-up; full 100)", html);

        await w.PutAccountAsync(w.Accounts[0], """{"warmUp":null}""");
        html = await w.PageAsync(w.Accounts[0]);
        Assert.DoesNotContain("id=\"warm-up\"", html);
        Assert.DoesNotContain("(warm-up;", html);
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

    [Fact]
    public async Task ADirectoryStoredBeforeItKeptCampaignAccounts_StillListsEveryCampaign_AndLearnsThemOnce()
    {
        using var w = await AccountPageWorld.CreateAsync(fixture, accounts: 2);
        await w.PutCampaignAsync("old-a", w.Accounts[0]);
        await w.PutCampaignAsync("old-b", w.Accounts[1]);
        var stored = await w.ReadDirectoryAsync();
        // The directory as builds before this one stored it: accounts, campaigns, key hash, nothing per campaign.
        await w.WriteDirectoryAsync(new OldWorkspaceState
        {
            Accounts = stored.State.Accounts, Campaigns = stored.State.Campaigns, ApiKeyHash = stored.State.ApiKeyHash,
        }, stored.ETag);
        var old = await w.ReadDirectoryAsync();
        Assert.Equal(["old-a", "old-b"], old.State.Campaigns);
        Assert.Empty(old.State.CampaignAccounts);
        Assert.Equal(stored.State.ApiKeyHash, old.State.ApiKeyHash);
        await fixture.Cluster.DeactivateAsync(w.Directory);

        Assert.True((await w.Directory.GetDirectoryAsync()).Created);
        Assert.Equal(["old-a", "old-b"], (await w.Directory.GetCampaignsOfAsync(w.Accounts[0])).Unknown);
        Assert.Equal(["old-a"], await w.CampaignsOnPageAsync(w.Accounts[0]));

        // That page read both and told the directory: from now on each page reads only its own.
        var ofB = await w.Directory.GetCampaignsOfAsync(w.Accounts[1]);
        Assert.Equal(["old-b"], ofB.Campaigns);
        Assert.Empty(ofB.Unknown);
        await fixture.Cluster.DeactivateAsync(w.Campaign("old-b"));
        Assert.Equal(["old-a"], await w.CampaignsOnPageAsync(w.Accounts[0]));
        Assert.DoesNotContain(w.CampaignGrainId("old-b"), await ActiveCampaignsAsync());
        Assert.Equal(["old-b"], await w.CampaignsOnPageAsync(w.Accounts[1]));
    }

    [Fact]
    public async Task ConfiguringACampaignAgainOnItsAccount_LeavesTheDirectoryUnwritten_MovingItWritesIt()
    {
        using var w = await AccountPageWorld.CreateAsync(fixture, accounts: 2);
        await w.PutCampaignAsync("c", w.Accounts[0]);
        var before = (await w.ReadDirectoryAsync()).ETag;

        await w.PutCampaignAsync("c", w.Accounts[0], active: false);
        await w.PutCampaignAsync("c", w.Accounts[0]);

        Assert.Equal(before, (await w.ReadDirectoryAsync()).ETag);
        await w.PutCampaignAsync("c", w.Accounts[1]);
        var moved = await w.ReadDirectoryAsync();
        Assert.NotEqual(before, moved.ETag);
        Assert.Equal([w.Accounts[1]], moved.State.CampaignAccounts["c"]);
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

    public async Task PutCampaignAsync(string campaignId, string accountId, bool active = true) =>
        await InMailScenario.ExpectAsync(_api.PutAsync($"/api/workspaces/{Workspace}/campaigns/{campaignId}",
            DashboardFixture.Json(new { accountId, active, steps = new[] { new { action = "ViewProfile" } } })), 200);

    public IWorkspaceGrain Directory => _fixture.Grains.GetGrain<IWorkspaceGrain>(Workspace);

    /// <summary>The workspace grain's state as the grain store holds it (the Orleans serializer, as on PostgreSQL).</summary>
    public async Task<(WorkspaceState State, string? ETag)> ReadDirectoryAsync()
    {
        var state = new GrainState<WorkspaceState>();
        await Storage.ReadStateAsync(StateName, Directory.GetGrainId(), state);
        Assert.True(state.RecordExists, "the workspace's directory is stored");
        return (state.State!, state.ETag);
    }

    public Task WriteDirectoryAsync<T>(T state, string? etag) =>
        Storage.WriteStateAsync(StateName, Directory.GetGrainId(), new GrainState<T>(state, etag) { RecordExists = true });

    private const string StateName = "workspace";

    private IGrainStorage Storage =>
        ((Orleans.TestingHost.InProcessSiloHandle)_fixture.Cluster.Primary!).SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.GrainStore);

    public ICampaignGrain Campaign(string campaignId) => _fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Workspace, campaignId));

    public GrainId CampaignGrainId(string campaignId) => Campaign(campaignId).GetGrainId();

    public async Task PutAccountAsync(string accountId, string json) =>
        await InMailScenario.ExpectAsync(_api.PutAsync($"/api/workspaces/{Workspace}/accounts/{accountId}", DashboardFixture.Raw(json)), 200);

    /// <summary>The account page's HTML, as the signed-in user gets it.</summary>
    public async Task<string> PageAsync(string accountId)
    {
        using var response = await _session.GetAsync($"/w/{Workspace}/accounts/{accountId}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"account page: {(int)response.StatusCode} {html}");
        return html;
    }

    /// <summary>The campaign ids the account page links to, in page order.</summary>
    public async Task<string[]> CampaignsOnPageAsync(string accountId)
    {
        var html = await PageAsync(accountId);
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

/// <summary>
/// <see cref="WorkspaceState"/> as builds before the campaign accounts stored it: the same fields under
/// the same ids. The grain store writes a state as its declared type, without a type name, so these
/// bytes are the ones such a build wrote.
/// </summary>
[GenerateSerializer, Alias("OrleansBreaker.Tests.OldWorkspaceState")]
public sealed record OldWorkspaceState
{
    [Id(0)] public SortedSet<string> Accounts { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public SortedSet<string> Campaigns { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public byte[]? ApiKeyHash { get; set; }
}
