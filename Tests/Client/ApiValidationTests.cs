using System.Text;
using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary>API.md §2: bad input is a 400 (or 413) problem that says what is wrong, never a 500, and changes nothing stored.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiValidationTests(DashboardFixture fixture)
{
    /// <summary>(what is wrong, method, path under the workspace, body, words the detail must contain).</summary>
    public static TheoryData<string, string, string, string?, string> BadRequests() => new()
    {
        { "malformed JSON", "PUT", "/accounts/{account}", """{"timeZone":""", "not valid JSON" },
        { "not an object", "PUT", "/accounts/{account}", "[1,2]", "JSON object" },
        { "wrong type: time zone", "PUT", "/accounts/{account}", """{"timeZone":5}""", "timeZone must be a string" },
        { "wrong type: cap", "PUT", "/accounts/{account}", """{"limits":{"Invite":{"daily":"ten"}}}""", "limits.Invite.daily" },
        { "fractional cap", "PUT", "/accounts/{account}", """{"limits":{"Invite":{"daily":1.5}}}""", "whole number" },
        { "negative cap", "PUT", "/accounts/{account}", """{"limits":{"Invite":{"daily":-1,"weekly":10}}}""", "limits.Invite.daily" },
        { "unknown action type in limits", "PUT", "/accounts/{account}", """{"limits":{"Teleport":{"daily":1}}}""", "unknown action type 'Teleport'" },
        { "action type as a number", "PUT", "/accounts/{account}", """{"limits":{"2":{"daily":1}}}""", "unknown action type '2'" },
        { "unknown time zone", "PUT", "/accounts/{account}", """{"timeZone":"Mars/Olympus_Mons"}""", "Unknown time zone" },
        { "unknown field", "PUT", "/accounts/{account}", """{"timezone":"UTC"}""", "Unknown field 'timezone'" },
        { "invalid account id", "PUT", "/accounts/not%20valid!", """{"timeZone":"UTC"}""", "not a valid id" },
        { "account id too long", "GET", "/accounts/" + new string('a', 65), null, "not a valid id" },
        { "campaign without steps", "PUT", "/campaigns/{campaign}", """{"accountId":"{account}"}""", "steps is required" },
        { "campaign with no step", "PUT", "/campaigns/{campaign}", """{"accountId":"{account}","steps":[]}""", "1 to 50 steps" },
        { "unknown action type in steps", "PUT", "/campaigns/{campaign}", """{"accountId":"{account}","steps":[{"action":"Teleport"}]}""", "steps[0].action" },
        { "wrong type: active", "PUT", "/campaigns/{campaign}", """{"accountId":"{account}","steps":[{"action":"Invite"}],"active":"yes"}""", "active must be true or false" },
        { "negative delay", "PUT", "/campaigns/{campaign}", """{"accountId":"{account}","steps":[{"action":"Invite","delayMinutes":-5}]}""", "steps[0].delayMinutes" },
        { "invalid account id in body", "PUT", "/campaigns/{campaign}", """{"accountId":"a b","steps":[{"action":"Invite"}]}""", "accountId 'a b' is not a valid id" },
        { "pool and account both", "PUT", "/campaigns/{campaign}", """{"accountId":"{account}","accountIds":["{account}"],"steps":[{"action":"Invite"}]}""", "either accountId" },
        { "empty pool", "PUT", "/campaigns/{campaign}", """{"accountIds":[],"steps":[{"action":"Invite"}]}""", "1 to 50 accounts, got 0" },
        { "pool not an array", "PUT", "/campaigns/{campaign}", """{"accountIds":"{account}","steps":[{"action":"Invite"}]}""", "accountIds must be an array" },
        { "pool member not an id", "PUT", "/campaigns/{campaign}", """{"accountIds":["{account}",7],"steps":[{"action":"Invite"}]}""", "accountIds[1] must be an account id" },
        { "pool member named twice", "PUT", "/campaigns/{campaign}", """{"accountIds":["{account}","{account}"],"steps":[{"action":"Invite"}]}""", "named twice" },
        { "pool member of no account", "PUT", "/campaigns/{campaign}", """{"accountIds":["{account}","nobody-here"],"steps":[{"action":"Invite"}]}""", "accountIds 'nobody-here' is not an account of this workspace" },
        { "pool over 50", "PUT", "/campaigns/{campaign}", "{\"accountIds\":[" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"a{i}\"")) + "],\"steps\":[{\"action\":\"Invite\"}]}", "1 to 50 accounts, got 51" },
        { "invalid prospect id", "POST", "/campaigns/{campaign}/prospects", """{"prospects":[{"id":"ok-1"},{"id":"has space"}]}""", "prospects[1].id" },
        { "javascript profile URL", "POST", "/campaigns/{campaign}/prospects", """{"prospects":[{"id":"ok-2"},{"id":"x","profileUrl":"javascript:alert(1)"}]}""", "http or https" },
        { "ftp profile URL", "POST", "/campaigns/{campaign}/prospects", """{"prospects":[{"id":"x","profileUrl":"ftp://example.com/x"}]}""", "http or https" },
        { "relative profile URL", "POST", "/campaigns/{campaign}/prospects", """{"prospects":[{"id":"x","profileUrl":"linkedin.com/in/x"}]}""", "http or https" },
        { "prospects not an array", "POST", "/campaigns/{campaign}/prospects", """{"prospects":{"id":"x"}}""", "prospects must be an array" },
        { "unknown event kind", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Clicked"}""", "kind must be one of Sent, Accepted, Replied" },
        { "event kind not from outside", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Skipped"}""", "kind must be one of Sent, Accepted, Replied" },
        { "unknown action type in event", "POST", "/events", """{"accountId":"{account}","action":"Teleport","kind":"Sent"}""", "action must be one of" },
        { "event time without offset", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","at":"2026-11-24T12:00:00"}""", "ISO-8601" },
        { "event time not a time", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","at":"yesterday"}""", "ISO-8601" },
        { "event time in RFC 1123", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","at":"Tue, 24 Nov 2026 11:00:00 GMT"}""", "ISO-8601" },
        { "event time in RFC 1123 with an offset", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","at":"Tue, 24 Nov 2026 11:00:00 +00:00"}""", "ISO-8601" },
        { "event time with a named month", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","at":"24 Nov 2026T11:00:00Z"}""", "ISO-8601" },
        { "event time at the end of time", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","at":"9999-12-31T23:59:59Z"}""", "between" },
        { "event time past the end of time in UTC", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","at":"9999-12-31T23:59:59-01:00"}""", "ISO-8601" },
        { "lone surrogate in a value", "PUT", "/accounts/{account}", """{"timeZone":"\ud800"}""", "UTF" },
        { "lone low surrogate in a value", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","source":"crm\udc00"}""", "UTF" },
        { "escaped surrogate in a property name", "PUT", "/accounts/{account}", """{"\ud800":"UTC"}""", "UTF" },
        { "escaped surrogate in a nested property name", "PUT", "/accounts/{account}", """{"limits":{"In\udbffMail":{"daily":1}}}""", "UTF" },
        { "NUL in a free-text field", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Sent","source":"crm\u0000"}""", "NUL" },
        { "NUL in a profile URL", "POST", "/campaigns/{campaign}/prospects", """{"prospects":[{"id":"nul-1","profileUrl":"https://www.linkedin.com/in/a\u0000b"}]}""", "NUL" },
        { "NUL in a time zone", "PUT", "/accounts/{account}", """{"timeZone":"UTC\u0000"}""", "NUL" },
        { "reply without prospect", "POST", "/events", """{"accountId":"{account}","action":"InMail","kind":"Replied"}""", "prospectId is required" },
        { "paging: limit 0", "GET", "/campaigns/{campaign}/activity?limit=0", null, "limit must be" },
        { "paging: limit too big", "GET", "/campaigns/{campaign}/activity?limit=100000", null, "limit must be" },
        { "paging: limit not a number", "GET", "/campaigns/{campaign}/activity?limit=ten", null, "limit must be" },
        { "paging: forged cursor", "GET", "/campaigns/{campaign}/activity?cursor=42", null, "cursor" },
        { "paging: unknown kind filter", "GET", "/campaigns/{campaign}/activity?kind=Teleported", null, "kind must be one of" },
        { "paging: unknown reason filter", "GET", "/campaigns/{campaign}/activity?reason=Boredom", null, "reason must be one of" },
        { "paging: repeated parameter", "GET", "/campaigns/{campaign}/activity?limit=1&limit=2", null, "more than once" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInput_Is400WithADetail_AndChangesNothing(string what, string method, string path, string? body, string detailContains)
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 2);
        var before = await SnapshotAsync(s);
        path = path.Replace("{account}", s.AccountId).Replace("{campaign}", s.CampaignId);
        body = body?.Replace("{account}", s.AccountId).Replace("{campaign}", s.CampaignId);

        using var request = new HttpRequestMessage(new HttpMethod(method), s.Path(path)) { Content = body is null ? null : DashboardFixture.Raw(body) };
        var problem = await ProblemAssert.IsProblemAsync(await s.Api.SendAsync(request), 400);

        Assert.True(problem.GetProperty("detail").GetString()!.Contains(detailContains, StringComparison.Ordinal),
            $"{what}: detail '{problem.GetProperty("detail").GetString()}' should mention '{detailContains}'");
        Assert.Equal(before, await SnapshotAsync(s));
    }

    [Theory]
    [InlineData("PUT", "/accounts/{account}", "{\"timeZone\":\"", "\"}")]
    [InlineData("POST", "/events", "{\"accountId\":\"{account}\",\"action\":\"InMail\",\"kind\":\"Sent\",\"source\":\"", "\"}")]
    [InlineData("POST", "/campaigns/{campaign}/prospects", "{\"prospects\":[{\"id\":\"p1\",\"profileUrl\":\"https://www.linkedin.com/in/", "\"}]}")]
    [InlineData("PUT", "/accounts/{account}", "{\"", "\":\"UTC\"}")]
    public async Task InvalidUtf8InABody_Is400_AndChangesNothing(string method, string path, string before, string after)
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);
        var snapshot = await SnapshotAsync(s);
        path = path.Replace("{account}", s.AccountId).Replace("{campaign}", s.CampaignId);
        // A raw 0xFF (never valid in UTF-8) and a truncated two-byte sequence inside a string.
        byte[] body = [.. Encoding.UTF8.GetBytes(before.Replace("{account}", s.AccountId)), 0xFF, 0xC3, .. Encoding.UTF8.GetBytes(after)];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var request = new HttpRequestMessage(new HttpMethod(method), s.Path(path)) { Content = content };
        var problem = await ProblemAssert.IsProblemAsync(await s.Api.SendAsync(request), 400);

        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        Assert.Equal(snapshot, await SnapshotAsync(s));
    }

    [Theory]
    [InlineData("?kind=")]
    [InlineData("?reason=")]
    [InlineData("?kind=&reason=&limit=500")]
    public async Task EmptyFilterValues_AreAbsent_AsABrowserFormSendsThem(string query)
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 2);
        var all = await s.GetAsync($"/campaigns/{s.CampaignId}/activity?limit=500");

        var filtered = await s.GetAsync($"/campaigns/{s.CampaignId}/activity{query}");

        Assert.True(all.GetProperty("items").GetArrayLength() > 0);
        Assert.Equal(all.GetProperty("items").GetRawText(), filtered.GetProperty("items").GetRawText());
    }

    [Fact]
    public async Task BadWorkspaceIds_Are400()
    {
        await ProblemAssert.IsProblemAsync(await fixture.Admin.PostAsync("/api/workspaces", DashboardFixture.Raw("""{"id":"a/b"}""")), 400);
        await ProblemAssert.IsProblemAsync(await fixture.Admin.PostAsync("/api/workspaces", DashboardFixture.Raw("""{"id":""}""")), 400);
        await ProblemAssert.IsProblemAsync(await fixture.Admin.PostAsync("/api/workspaces", DashboardFixture.Raw("""{"id":7}""")), 400);
        await ProblemAssert.IsProblemAsync(await fixture.Admin.PostAsync("/api/workspaces", DashboardFixture.Raw("{}")), 400);
        await ProblemAssert.IsProblemAsync(await fixture.Admin.GetAsync("/api/workspaces/bad%20id/accounts"), 400);
    }

    [Fact]
    public async Task ABodyOver1MiB_Is413_AndNothingIsAdded()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 1);
        var big = new StringBuilder("""{"prospects":[""");
        for (var i = 0; big.Length <= 1024 * 1024; i++)
        {
            big.Append(i == 0 ? "" : ",").Append($$"""{"id":"bulk-{{i}}","profileUrl":"https://www.linkedin.com/in/{{new string('x', 200)}}"}""");
        }
        big.Append("]}");

        await ProblemAssert.IsProblemAsync(await s.Api.PostAsync(s.Path($"/campaigns/{s.CampaignId}/prospects"), DashboardFixture.Raw(big.ToString())), 413);

        Assert.Equal(1, (await s.GetAsync($"/campaigns/{s.CampaignId}")).GetProperty("prospects").GetInt32());
    }

    /// <summary>Everything a rejected request could have touched: account, campaign, activity, directory.</summary>
    private static async Task<string> SnapshotAsync(InMailScenario s)
    {
        var parts = new[]
        {
            await s.GetAsync($"/accounts/{s.AccountId}"),
            await s.GetAsync("/accounts"),
            await s.GetAsync("/campaigns"),
            await s.GetAsync($"/campaigns/{s.CampaignId}/activity?limit=500"),
        };
        return string.Join("\n", parts.Select(p => p.GetRawText()));
    }
}
