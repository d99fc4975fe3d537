using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansBreaker.Tests.Client;

/// <summary><c>/healthz</c> and <c>/metrics</c> of the dashboard and of a silo, and the Orleans Dashboard behind the admin key.</summary>
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
    public async Task SiloMetrics_ShowDispatchOutcomesTripsClearsSkipsAndSafetyMode_AfterATrip_InPrometheusText()
    {
        var s = await InMailScenario.TripAsync(fixture, prospects: 2);
        DashboardWorld.Time.Advance(TimeSpan.FromMinutes(1));
        await InMailScenario.ExpectAsync(s.Api.PostAsync(s.Path("/events"), DashboardFixture.Json(new { accountId = s.AccountId, action = "InMail", kind = "Sent" })), 202);
        await InMailScenario.TripSafetyModeAsync(fixture, s.Workspace);
        string[] expected =
        [
            "# TYPE breaker_dispatch_outcomes_total counter",
            "# TYPE breaker_trips_total counter",
            "# TYPE breaker_clears_total counter",
            "# TYPE breaker_skips_total counter",
            "# TYPE breaker_safety_trips_total counter",
            "# TYPE breaker_safety_open gauge",
        ];

        using var silo = new HttpClient { BaseAddress = fixture.SiloAddress, Timeout = TimeSpan.FromSeconds(30) };
        var (complete, text) = await ScrapeUntilAsync(silo, text =>
        {
            var lines = text.Split('\n');
            return expected.All(text.Contains)
                && lines.Any(l => l.StartsWith("breaker_dispatch_outcomes_total{", StringComparison.Ordinal) && l.Contains("action=\"InMail\"") && l.Contains("class=\"CreditsExhausted\""))
                && lines.Any(l => l.StartsWith("breaker_trips_total{", StringComparison.Ordinal) && l.Contains("action=\"InMail\"") && l.Contains("reason=\"CreditsExhausted\""))
                && lines.Any(l => l.StartsWith("breaker_clears_total{", StringComparison.Ordinal) && l.Contains("action=\"InMail\""))
                && lines.Any(l => l.StartsWith("breaker_skips_total{", StringComparison.Ordinal) && l.Contains("reason=\"InMailCreditsExhausted\""))
                && lines.Any(l => l.StartsWith("breaker_safety_open", StringComparison.Ordinal));
        });
        Assert.True(complete, "missing series in the silo's /metrics:\n" + text);
        // Orleans' own meter comes with ours: the silo's membership as Orleans counts it.
        Assert.Contains("orleans_", text);
        AssertSamplesAreNumbers(text);
    }

    [Fact]
    public async Task DashboardMetrics_AreThisProcesssAspNetCoreAndRuntimeSeries_InPrometheusText()
    {
        // A request first, so the server's request histogram has a point.
        using (await fixture.Anonymous.GetAsync("/healthz"))
        {
        }
        var (complete, text) = await ScrapeUntilAsync(fixture.Anonymous, text =>
            text.Contains("# TYPE http_server_request_duration_seconds histogram", StringComparison.Ordinal)
            && text.Split('\n').Any(l => l.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal) && l.Contains("http_route=\"/healthz\"")));
        Assert.True(complete, "no ASP.NET Core request series in the dashboard's /metrics:\n" + text);
        Assert.Contains("dotnet_gc_", text);
        AssertSamplesAreNumbers(text);
    }

    [Fact]
    public async Task SiloHealthz_Is200WhileTheSiloIsActiveInTheCluster()
    {
        using var silo = new HttpClient { BaseAddress = fixture.SiloAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await silo.GetAsync("/healthz");
        Assert.Equal(200, (int)response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("active", body.GetProperty("status").GetString());
        Assert.Equal(fixture.Cluster.Primary!.SiloAddress.ToString(), body.GetProperty("address").GetString());
    }

    /// <summary>Scrapes <c>/metrics</c> (200, Prometheus text) until <paramref name="complete"/> holds or 15 s pass; the last text.</summary>
    private static async Task<(bool Complete, string Text)> ScrapeUntilAsync(HttpClient http, Func<string, bool> complete)
    {
        var text = "";
        var done = await Cluster.Scenario.EventuallyAsync(async () =>
        {
            using var response = await http.GetAsync("/metrics");
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            text = await response.Content.ReadAsStringAsync();
            return complete(text);
        }, TimeSpan.FromSeconds(15));
        return (done, text);
    }

    /// <summary>Every sample line is "name{labels} value" (and maybe a timestamp) with numbers.</summary>
    private static void AssertSamplesAreNumbers(string text) =>
        Assert.All(text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')), l => Assert.True(double.TryParse(l[(l.LastIndexOf(' ') + 1)..],
            System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _), l));

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
