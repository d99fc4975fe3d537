using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Orleans.Dashboard;
using Orleans.TestingHost;
using OrleansBreaker.Client;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Tests.Cluster;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// The dashboard tests' own world. Not <see cref="TestWorld"/>: the Cluster collection advances that
/// clock by weeks while running in parallel, which would resume these tests' tripped breakers under them.
/// </summary>
public static class DashboardWorld
{
    public static FakeTimeProvider Time { get; } = new(TestWorld.Start);
    public static SimulatedLinkedIn LinkedIn { get; } = new(Time);
    public static InMemoryEventLog EventLog { get; } = new();
}

/// <summary>
/// The embedded silo of the cluster tests, on <see cref="DashboardWorld"/>, running the Orleans Dashboard's grains, with the
/// product silo's telemetry and its HTTP port (<c>/healthz</c>, <c>/metrics</c>: <see cref="SiloOperations"/>) on a free loopback port.
/// </summary>
public sealed class DashboardSiloConfigurator : ISiloConfigurator, IHostConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        EmbeddedSiloConfigurator.Build(siloBuilder, new BreakerOverrides
        {
            Clock = DashboardWorld.Time, LinkedIn = DashboardWorld.LinkedIn, EventLog = DashboardWorld.EventLog, Prospects = TestWorld.Prospects,
        });
        siloBuilder.AddBreakerTelemetry(siloBuilder.Configuration, "dashboard-test-silo");
        siloBuilder.AddDashboard();
    }

    public void Configure(IHostBuilder hostBuilder) =>
        hostBuilder.ConfigureWebHost(web => web
            .UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0))
            .ConfigureServices(services => services.AddRouting())
            .Configure(app => app.UseRouting().UseEndpoints(endpoints => endpoints.MapSiloOperations())));

    /// <summary>Where a test silo's HTTP port listens (chosen by the system at start).</summary>
    public static Uri HttpAddress(SiloHandle silo) =>
        new(((InProcessSiloHandle)silo).ServiceProvider.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
}

/// <summary>
/// A real single-silo cluster (TestingHost) and the real dashboard app on a free loopback port, joined to
/// it through the silo's gateway. One per collection; tests keep apart with unique workspace ids.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The silo's own HTTP port (<c>/healthz</c>, <c>/metrics</c>).</summary>
    public Uri SiloAddress { get; private set; } = null!;

    /// <summary>No Authorization header.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    private WebApplication _app = null!;
    private readonly List<HttpClient> _clients = [];

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        // TestingHost's default transport is in-memory; the dashboard joins like any client, over TCP.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.AddSiloBuilderConfigurator<DashboardSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        SiloAddress = DashboardSiloConfigurator.HttpAddress(Cluster.Primary!);
        var gateway = Cluster.Primary?.GatewayAddress?.Endpoint ?? throw new InvalidOperationException("The test silo has no gateway.");
        _app = DashboardApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            $"--Auth:AdminKey={AdminKey}",
            $"--Orleans:ServiceId={Cluster.Options.ServiceId}",
            $"--Orleans:ClusterId={Cluster.Options.ClusterId}",
            $"--Orleans:Gateways:0={gateway}",
            "--Storage:Provider=Memory",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:OrleansBreaker=Warning",
        ], DashboardWorld.Time);
        // The app keeps retrying a cluster it cannot reach; a test run must not wait for ever.
        await _app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        BaseAddress = new Uri(_app.Urls.Single());
        Anonymous = NewClient(null);
        Admin = NewClient(AdminKey);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    public HttpClient NewClient(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        _clients.Add(client);
        return client;
    }

    public static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A new workspace through the API, and a client holding its key.</summary>
    public async Task<(string Id, string Key, HttpClient Client)> CreateWorkspaceAsync()
    {
        var id = NewId("ws");
        using var response = await Admin.PostAsync("/api/workspaces", Json(new { id }));
        Assert.Equal(201, (int)response.StatusCode);
        var key = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        return (id, key, NewClient(key));
    }

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "Dashboard";
}
