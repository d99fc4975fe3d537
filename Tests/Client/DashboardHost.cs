using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Orleans.TestingHost;
using OrleansBreaker.Client;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// The real dashboard app on a loopback port chosen up front (so it can be asked while it is still
/// starting, i.e. still looking for a gateway), joined to a given cluster or to a gateway address.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    public const string AdminKey = DashboardFixture.AdminKey;

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<HttpClient> _clients = [];

    public Uri BaseAddress { get; }

    /// <summary>Completes once the app has started, i.e. its Orleans client has connected.</summary>
    public Task Started { get; }

    private DashboardHost(string serviceId, string clusterId, IPEndPoint gateway, TimeProvider clock)
    {
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        _app = DashboardApp.Build(
        [
            "--urls", BaseAddress.ToString(),
            $"--Auth:AdminKey={AdminKey}",
            $"--Orleans:ServiceId={serviceId}",
            $"--Orleans:ClusterId={clusterId}",
            $"--Orleans:Gateways:0={gateway}",
            "--Storage:Provider=Memory",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:OrleansBreaker=Warning",
        ], clock);
        Started = _app.StartAsync(_stop.Token);
    }

    /// <summary>Joined to <paramref name="cluster"/> (which must use the TCP transport) through its first silo's gateway; started.</summary>
    public static async Task<DashboardHost> StartAsync(TestCluster cluster, TimeProvider clock)
    {
        var gateway = cluster.Silos[0].GatewayAddress?.Endpoint ?? throw new InvalidOperationException("The test silo has no gateway.");
        var host = new DashboardHost(cluster.Options.ServiceId, cluster.Options.ClusterId, gateway, clock);
        await host.Started.WaitAsync(TimeSpan.FromSeconds(90));
        return host;
    }

    /// <summary>Pointed at a gateway where nothing listens: it keeps looking, and its web server answers meanwhile.</summary>
    public static DashboardHost StartUnreachable(TimeProvider clock) =>
        new("no-service", "no-cluster", new IPEndPoint(IPAddress.Loopback, FreePort()), clock);

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        _clients.Add(client);
        return client;
    }

    /// <summary>Asks until the web server answers at all (it listens while the Orleans client starts).</summary>
    public async Task<HttpResponseMessage> GetWhenListeningAsync(HttpClient client, string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await client.GetAsync(path);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        await _stop.CancelAsync();
        await Record.ExceptionAsync(() => Started); // a start cancelled while still looking for a gateway
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Record.ExceptionAsync(() => _app.StopAsync(timeout.Token));
        await _app.DisposeAsync();
        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
