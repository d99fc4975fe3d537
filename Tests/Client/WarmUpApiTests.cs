using System.Net.Http.Json;
using System.Text.Json;
using OrleansBreaker.Tests.Cluster;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// API.md §3: <c>"warmUp":{"days":N}</c> on <c>PUT /accounts/{id}</c> starts a warm-up now, <c>"warmUp":null</c>
/// ends it; during it the account view's caps are the ramped ones, with the full ones beside them.
/// </summary>
[Collection(RecordedClusterCollection.Name)]
public sealed class WarmUpApiTests(RecordedClusterFixture fixture)
{
    [Fact]
    public async Task AWarmUpSetThroughTheApi_ShowsItsDayAndRampedCaps_BadLengthsAre400_AndNullEndsIt()
    {
        var host = await fixture.DashboardAsync();
        var ws = DashboardFixture.NewId("ws");
        using var created = await host.Client(DashboardHost.AdminKey).PostAsync("/api/workspaces", DashboardFixture.Json(new { id = ws }));
        Assert.Equal(201, (int)created.StatusCode);
        var api = host.Client((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!);
        var account = $"/api/workspaces/{ws}/accounts/{DashboardFixture.NewId("acct")}";

        // Without a warm-up: no warmUp, no full caps beside the caps.
        var plain = await InMailScenario.ExpectAsync(api.PutAsync(account, DashboardFixture.Json(new { limits = new { Invite = new { daily = 20, weekly = 100 } } })), 200);
        Assert.False(plain.TryGetProperty("warmUp", out _));
        Assert.False(plain.GetProperty("usage").GetProperty("Invite").TryGetProperty("fullDailyCap", out _));

        var warming = await InMailScenario.ExpectAsync(api.PutAsync(account, DashboardFixture.Raw("""{"warmUp":{"days":21}}""")), 200);
        var warmUp = warming.GetProperty("warmUp");
        Assert.Equal((21, 1), (warmUp.GetProperty("days").GetInt32(), warmUp.GetProperty("day").GetInt32()));
        Assert.True(warmUp.TryGetProperty("startedAt", out _));
        var invite = warming.GetProperty("usage").GetProperty("Invite");
        Assert.Equal((4, 20, 20, 100), (invite.GetProperty("dailyCap").GetInt32(), invite.GetProperty("fullDailyCap").GetInt32(),
            invite.GetProperty("weeklyCap").GetInt32(), invite.GetProperty("fullWeeklyCap").GetInt32()));

        // A cap given alone during the warm-up keeps the other's full value, not its ramped one.
        var oneCap = await InMailScenario.ExpectAsync(api.PutAsync(account, DashboardFixture.Json(new { limits = new { Invite = new { daily = 30 } } })), 200);
        Assert.Equal(100, oneCap.GetProperty("usage").GetProperty("Invite").GetProperty("fullWeeklyCap").GetInt32());

        foreach (var bad in new[] { """{"warmUp":{"days":0}}""", """{"warmUp":{"days":366}}""", """{"warmUp":{}}""", """{"warmUp":21}""", """{"warmUp":{"days":21,"from":"now"}}""" })
        {
            var problem = await ProblemAssert.IsProblemAsync(await api.PutAsync(account, DashboardFixture.Raw(bad)), 400);
            Assert.Contains("warmUp", problem.GetProperty("detail").GetString());
        }
        // Refused bodies changed nothing: still day 1 of 21.
        var still = await InMailScenario.ExpectAsync(api.GetAsync(account), 200);
        Assert.Equal(21, still.GetProperty("warmUp").GetProperty("days").GetInt32());

        var ended = await InMailScenario.ExpectAsync(api.PutAsync(account, DashboardFixture.Raw("""{"warmUp":null}""")), 200);
        Assert.False(ended.TryGetProperty("warmUp", out _));
        Assert.Equal(30, ended.GetProperty("usage").GetProperty("Invite").GetProperty("dailyCap").GetInt32());
    }
}
