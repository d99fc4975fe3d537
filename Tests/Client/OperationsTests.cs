using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary><c>/healthz</c>, <c>/metrics</c> and the Orleans Dashboard behind the admin key.</summary>
[Collection(DashboardCollection.Name)]
public sealed class OperationsTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Healthz_Is200WhileConnectedToTheCluster()
    {
        using var response = await fixture.Anonymous.GetAsync("/healthz");
        Assert.Equal(200, (int)response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("connected", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("silos").GetInt32());
    }

    [Fact]
    public async Task Metrics_ShowEachSilosDispatchOutcomesTripsClearsSkipsAndSafetyMode_InPrometheusText()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 2);
        DashboardWorld.Time.Advance(TimeSpan.FromMinutes(1));
        await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Json(new { accountId = s.AccountId, action = "InMail", kind = "Sent" })), 202);
        var silo = $"silo=\"{fixture.Cluster.Primary!.Name}\"";
        string[] expected =
        [
            "# TYPE breaker_dispatch_outcomes_total counter",
            "# TYPE breaker_trips_total counter",
            "# TYPE breaker_clears_total counter",
            "# TYPE breaker_skips_total counter",
            "# TYPE breaker_safety_trips_total counter",
            "# TYPE breaker_safety_open gauge",
            "breaker_cluster_silos 1",
        ];

        string text = "";
        var complete = await Cluster.Scenario.EventuallyAsync(async () =>
        {
            using var response = await fixture.Anonymous.GetAsync("/metrics");
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            text = await response.Content.ReadAsStringAsync();
            var lines = text.Split('\n');
            return expected.All(text.Contains)
                && lines.Any(l => l.StartsWith("breaker_dispatch_outcomes_total{", StringComparison.Ordinal) && l.Contains(silo) && l.Contains("action=\"InMail\"") && l.Contains("class=\"CreditsExhausted\""))
                && lines.Any(l => l.StartsWith("breaker_trips_total{", StringComparison.Ordinal) && l.Contains(silo) && l.Contains("action=\"InMail\"") && l.Contains("reason=\"CreditsExhausted\""))
                && lines.Any(l => l.StartsWith("breaker_clears_total{", StringComparison.Ordinal) && l.Contains(silo) && l.Contains("action=\"InMail\""))
                && lines.Any(l => l.StartsWith("breaker_skips_total{", StringComparison.Ordinal) && l.Contains(silo) && l.Contains("reason=\"InMailCreditsExhausted\""))
                && lines.Any(l => l.StartsWith("breaker_safety_open{", StringComparison.Ordinal) && l.Contains(silo));
        }, TimeSpan.FromSeconds(15));
        Assert.True(complete, "missing series in /metrics:\n" + text);
        // Every sample line is "name{labels} value" with a number.
        Assert.All(text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')), l => Assert.True(double.TryParse(l[(l.LastIndexOf(' ') + 1)..],
            System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _), l));
    }

    [Fact]
    public async Task OrleansDashboard_OpensWithTheAdminKeyOnly()
    {
        var (_, _, workspace) = await fixture.CreateWorkspaceAsync();

        using var admin = await fixture.Admin.GetAsync("/orleans-dashboard/");
        Assert.Equal(200, (int)admin.StatusCode);
        Assert.Contains("Orleans Dashboard", await admin.Content.ReadAsStringAsync());
        using var data = await fixture.Admin.GetAsync("/orleans-dashboard/DashboardCounters");
        Assert.Equal(200, (int)data.StatusCode);

        using var forbidden = await workspace.GetAsync("/orleans-dashboard/");
        Assert.Equal(403, (int)forbidden.StatusCode);
        using var unknown = fixture.NewClient("not-a-key");
        Assert.Equal(401, (int)(await unknown.GetAsync("/orleans-dashboard/DashboardCounters")).StatusCode);
        // A browser without a session goes to the sign-in page.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.BaseAddress };
        using var redirect = await browser.GetAsync("/orleans-dashboard/");
        Assert.Equal(302, (int)redirect.StatusCode);
        Assert.StartsWith("/signin", redirect.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task UnknownApiPaths_AreProblems_NotPages()
    {
        await ProblemAssert.IsProblemAsync(await fixture.Admin.GetAsync("/api/nothing-here"), 404);
    }
}
