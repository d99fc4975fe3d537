using System.Net.Http.Json;
using System.Text.Json;
using Orleans.TestingHost;
using OrleansBreaker.Tests.Cluster;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// API.md §3: while the cluster cannot be reached, <c>/healthz</c> and the API answer 503 problem+json,
/// promptly, rather than hanging or failing with a 500.
/// </summary>
public sealed class ClusterUnreachableTests
{
    [Fact]
    public async Task NoSiloAtTheGateway_HealthzAndApiAnswer503Problems_MetricsStill200_WhileTheClientKeepsLooking()
    {
        await using var host = DashboardHost.StartUnreachable(DashboardWorld.Time);
        var anonymous = host.Client(null);
        var admin = host.Client(DashboardHost.AdminKey);

        using var health = await host.GetWhenListeningAsync(anonymous, "/healthz");
        await ProblemAssert.IsProblemAsync(health, 503);
        await ProblemAssert.IsProblemAsync(await admin.GetAsync("/api/workspaces/ws-any/accounts"), 503);
        await ProblemAssert.IsProblemAsync(await admin.PostAsync("/api/workspaces", DashboardFixture.Json(new { id = "ws-new" })), 503);
        // A workspace key can only be checked by its workspace grain: unreachable, so 503 too, never a 500 or a 401.
        var workspace = host.Client("ws-any.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        await ProblemAssert.IsProblemAsync(await workspace.GetAsync("/api/workspaces/ws-any/accounts"), 503);
        // Its metrics are this process's own, so they answer without a cluster (a scraper sees the 503s counted).
        using var metrics = await anonymous.GetAsync("/metrics");
        Assert.Equal(200, (int)metrics.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await metrics.Content.ReadAsStringAsync());
        Assert.False(host.Started.IsCompleted); // still looking for a gateway
    }

    [Fact]
    public async Task ClusterStopsUnderARunningClient_HealthzAndApiTurn503Problems()
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.AddSiloBuilderConfigurator<EmbeddedSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            await using var host = await DashboardHost.StartAsync(cluster, TestWorld.Time);
            var anonymous = host.Client(null);
            var admin = host.Client(DashboardHost.AdminKey);
            var id = DashboardFixture.NewId("ws");
            using var created = await admin.PostAsync("/api/workspaces", DashboardFixture.Json(new { id }));
            Assert.Equal(201, (int)created.StatusCode);
            var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
            var workspace = host.Client(key);
            Assert.Equal(200, (int)(await workspace.GetAsync($"/api/workspaces/{id}/accounts")).StatusCode);
            Assert.Equal(200, (int)(await anonymous.GetAsync("/healthz")).StatusCode);

            await cluster.StopAllSilosAsync();

            Assert.True(await Scenario.EventuallyAsync(async () =>
            {
                using var response = await anonymous.GetAsync("/healthz");
                return (int)response.StatusCode == 503;
            }, TimeSpan.FromSeconds(60)), "/healthz did not turn 503 after the cluster stopped");
            await ProblemAssert.IsProblemAsync(await anonymous.GetAsync("/healthz"), 503);
            await ProblemAssert.IsProblemAsync(await workspace.GetAsync($"/api/workspaces/{id}/accounts"), 503);
            await ProblemAssert.IsProblemAsync(await admin.GetAsync($"/api/workspaces/{id}/campaigns"), 503);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
