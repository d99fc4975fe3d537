using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.Durable;

/// <summary>A silo pointed at a wrong database stops at start with a message a person can act on.</summary>
public sealed class StartupValidationTests
{
    private static HostApplicationBuilder SiloBuilder(string? connectionString)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = connectionString,
            ["Orleans:SiloPort"] = FreePort().ToString(),
            ["Orleans:GatewayPort"] = FreePort().ToString(),
        });
        return builder;
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public void PostgresWithoutConnectionString_IsRejectedBeforeAnythingStarts()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SiloBuilder(null).AddBreakerSilo());

        Assert.Contains("Storage:ConnectionString", ex.Message);
    }

    [Fact]
    public void MalformedConnectionString_IsRejectedWithTheReason()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SiloBuilder("Host=127.0.0.1;Bogus Key=1").AddBreakerSilo());

        Assert.Contains("not a valid Npgsql connection string", ex.Message);
    }

    [Fact]
    public async Task DatabaseWithoutTheSchema_StopsTheSiloAtStart_SayingHowToApplyIt()
    {
        var server = await PostgresServer.SharedAsync();
        var empty = await server.CreateDatabaseAsync("noschema", withSchema: false);
        using var host = SiloBuilder(empty).AddBreakerSilo().Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("schema is missing", ex.Message);
        Assert.Contains("deploy/", ex.Message);
    }
}
