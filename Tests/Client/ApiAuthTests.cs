using System.Net.Http.Headers;
using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary>API.md §2: bearer keys, 401 without a known key, and another workspace's resources answering 404 exactly as if missing.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiAuthTests(DashboardFixture fixture)
{
    /// <summary>Every workspace endpoint, with a body that would succeed for the owner.</summary>
    private static IEnumerable<(HttpMethod Method, string Path, string? Body)> Endpoints(InMailScenario s) =>
    [
        (HttpMethod.Get, "/accounts", null),
        (HttpMethod.Get, $"/accounts/{s.AccountId}", null),
        (HttpMethod.Put, $"/accounts/{s.AccountId}", """{"timeZone":"Asia/Tokyo"}"""),
        (HttpMethod.Put, "/accounts/brand-new", """{"timeZone":"UTC"}"""),
        (HttpMethod.Get, "/campaigns", null),
        (HttpMethod.Get, $"/campaigns/{s.CampaignId}", null),
        (HttpMethod.Put, $"/campaigns/{s.CampaignId}", $$"""{"accountId":"{{s.AccountId}}","steps":[{"action":"Invite"}],"active":false}"""),
        (HttpMethod.Post, $"/campaigns/{s.CampaignId}/prospects", """{"prospects":[{"id":"intruder"}]}"""),
        (HttpMethod.Get, $"/campaigns/{s.CampaignId}/prospects/lead-1", null),
        (HttpMethod.Get, $"/campaigns/{s.CampaignId}/activity?kind=Skipped&reason=InMailCreditsExhausted", null),
        (HttpMethod.Post, "/events", $$"""{"accountId":"{{s.AccountId}}","action":"InMail","kind":"Sent","at":"2026-11-24T12:00:00Z"}"""),
        (HttpMethod.Get, "/safety", null),
    ];

    [Fact]
    public async Task NoKeyOrAnUnknownKey_Is401OnEveryEndpoint()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);
        var callers = new (string Name, AuthenticationHeaderValue? Header)[]
        {
            ("no key", null),
            ("unknown key", new("Bearer", "not-a-key")),
            ("a well-formed key of this workspace that it never issued", new("Bearer", $"{s.Workspace}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")),
            ("the right key in the wrong scheme", new("Basic", s.Key)),
        };
        var endpoints = Endpoints(s).Append((HttpMethod.Post, "/../../workspaces", """{"id":"sneaky"}""")).ToList();
        foreach (var (name, header) in callers)
        {
            foreach (var (method, path, body) in endpoints)
            {
                using var request = new HttpRequestMessage(method, s.Path(path)) { Content = body is null ? null : DashboardFixture.Raw(body) };
                request.Headers.Authorization = header;
                using var response = await fixture.Anonymous.SendAsync(request);
                Assert.True(401 == (int)response.StatusCode, $"{name}: {method} {path} answered {(int)response.StatusCode}");
                Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
                await ProblemAssert.IsProblemAsync(response, 401);
            }
        }
        await AssertUnchangedAsync(s);
    }

    [Fact]
    public async Task AnotherWorkspacesResources_Answer404ExactlyAsIfTheyDidNotExist_AndStayUnchanged()
    {
        var victim = await InMailScenario.TripAsync(fixture, prospects: 1);
        var (other, _, intruder) = await fixture.CreateWorkspaceAsync();
        var missing = DashboardFixture.NewId("ws-missing");

        foreach (var (method, path, body) in Endpoints(victim))
        {
            var theirs = await SendAsync(intruder, method, victim.Path(path), body);
            var nowhere = await SendAsync(intruder, method, $"/api/workspaces/{missing}{path}", body);
            Assert.True(theirs.Status == 404, $"{method} {path} of another workspace answered {theirs.Status}: {theirs.Body}");
            Assert.Equal(nowhere.Status, theirs.Status);
            // Word for word the same, once each names the workspace it was asked about.
            Assert.Equal(Detail(nowhere.Body).Replace(missing, "<ws>"), Detail(theirs.Body).Replace(victim.Workspace, "<ws>"));
        }

        // Inside its own workspace, the intruder cannot reach the victim's account either: it is simply not there.
        var account = await SendAsync(intruder, HttpMethod.Get, $"/api/workspaces/{other}/accounts/{victim.AccountId}", null);
        var noAccount = await SendAsync(intruder, HttpMethod.Get, $"/api/workspaces/{other}/accounts/nobody-here", null);
        Assert.Equal(404, account.Status);
        Assert.Equal(Detail(noAccount.Body).Replace("nobody-here", "<id>"), Detail(account.Body).Replace(victim.AccountId, "<id>"));
        var campaign = await SendAsync(intruder, HttpMethod.Put, $"/api/workspaces/{other}/campaigns/borrowed",
            $$"""{"accountId":"{{victim.AccountId}}","steps":[{"action":"InMail"}]}""");
        Assert.Equal(400, campaign.Status);
        Assert.Contains("not an account of this workspace", Detail(campaign.Body));
        var events = await SendAsync(intruder, HttpMethod.Post, $"/api/workspaces/{other}/events",
            $$"""{"accountId":"{{victim.AccountId}}","action":"InMail","kind":"Sent"}""");
        Assert.Equal(404, events.Status);

        await AssertUnchangedAsync(victim);
    }

    [Fact]
    public async Task OnlyTheAdminKeyCreatesWorkspaces_AndTheAdminMayReadAnyWorkspace()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);

        await ProblemAssert.IsProblemAsync(await s.Api.PostAsync("/api/workspaces", DashboardFixture.Raw("""{"id":"by-a-workspace"}""")), 403);
        await ProblemAssert.IsProblemAsync(await fixture.Anonymous.PostAsync("/api/workspaces", DashboardFixture.Raw("""{"id":"by-nobody"}""")), 401);
        Assert.Equal(404, (await SendAsync(fixture.Admin, HttpMethod.Get, "/api/workspaces/by-a-workspace/accounts/x", null)).Status);

        var read = await SendAsync(fixture.Admin, HttpMethod.Get, s.Path($"/accounts/{s.AccountId}"), null);
        Assert.Equal(200, read.Status);
    }

    [Fact]
    public async Task TheAdminKey_CannotFillAWorkspaceThatWasNeverCreated()
    {
        var never = DashboardFixture.NewId("never");
        var paths = new[] { $"/api/workspaces/{never}/accounts/a1", $"/api/workspaces/{never}/campaigns/c1", $"/api/workspaces/{never}/accounts" };

        var account = await SendAsync(fixture.Admin, HttpMethod.Put, paths[0], """{"timeZone":"UTC"}""");
        var campaign = await SendAsync(fixture.Admin, HttpMethod.Put, paths[1], """{"accountId":"a1","steps":[{"action":"Invite"}]}""");
        var list = await SendAsync(fixture.Admin, HttpMethod.Get, paths[2], null);

        Assert.True(account.Status == 404, account.Body);
        Assert.Contains($"Workspace '{never}' not found", Detail(account.Body), StringComparison.Ordinal);
        Assert.True(campaign.Status == 404, campaign.Body);
        Assert.True(list.Status == 404, list.Body);
        // Nothing was created behind the 404: neither the account grain nor the workspace's directory.
        Assert.False((await fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(never, "a1")).GetViewAsync()).Exists);
        Assert.Empty((await fixture.Grains.GetGrain<IWorkspaceGrain>(never).GetDirectoryAsync()).Accounts);
    }

    private static async Task AssertUnchangedAsync(InMailScenario s)
    {
        var account = await s.GetAsync($"/accounts/{s.AccountId}");
        Assert.Equal("UTC", account.GetProperty("timeZone").GetString());
        Assert.Equal("Open", account.GetProperty("breakers").GetProperty("InMail").GetProperty("state").GetString());
        var campaign = await s.GetAsync($"/campaigns/{s.CampaignId}");
        Assert.True(campaign.GetProperty("active").GetBoolean());
        Assert.Equal("InMail", Assert.Single(campaign.GetProperty("steps").EnumerateArray()).GetProperty("action").GetString());
        Assert.Equal(s.Prospects.Length, campaign.GetProperty("prospects").GetInt32());
        Assert.Equal(1, (await s.GetAsync("/accounts")).GetProperty("items").GetArrayLength());
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : DashboardFixture.Raw(body) };
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Detail(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString()!;
}
