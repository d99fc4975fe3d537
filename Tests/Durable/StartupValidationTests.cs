using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.Durable;

/// <summary>A silo pointed at a wrong database, or at no real LinkedIn, stops at start with a message a person can act on.</summary>
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
            ["Upstream:Provider"] = "Http",
            ["Upstream:BaseUrl"] = "http://127.0.0.1:5090",
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

    /// <summary>The silo as <c>dotnet OrleansBreaker.Silo.dll</c> builds it: the shipped appsettings files, in an environment.</summary>
    private static HostApplicationBuilder ShippedProfile(string environment, Dictionary<string, string?>? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = environment });
        var silo = Path.Combine(PostgresServer.RepoRoot, "Silo");
        builder.Configuration.AddJsonFile(Path.Combine(silo, "appsettings.json"), optional: false);
        builder.Configuration.AddJsonFile(Path.Combine(silo, $"appsettings.{environment}.json"), optional: true);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:SiloPort"] = FreePort().ToString(),
            ["Orleans:GatewayPort"] = FreePort().ToString(),
            ["Orleans:PrimarySiloPort"] = FreePort().ToString(),
        });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }
        return builder;
    }

    [Fact]
    public void TheProductionProfile_WithoutAProvider_RefusesToStart()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ShippedProfile("Production").AddBreakerSilo());

        Assert.Contains("Upstream:Provider is not set", ex.Message);
        Assert.Contains("Http", ex.Message);
    }

    [Fact]
    public void TheProductionProfile_RefusesTheSimulatedLinkedIn()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            ShippedProfile("Production", new() { ["Upstream:Provider"] = "Simulated" }).AddBreakerSilo());

        Assert.Contains("Simulated", ex.Message);
        Assert.Contains("Development", ex.Message);
    }

    [Fact]
    public async Task TheProductionProfile_WithHttpButNoBaseUrl_RefusesToStart()
    {
        using var host = ShippedProfile("Production", new() { ["Upstream:Provider"] = "Http" }).AddBreakerSilo().Build();

        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Upstream:BaseUrl is empty", ex.Message);
    }

    [Fact]
    public void TheDevelopmentProfile_ChoosesTheSimulatedLinkedInExplicitly()
    {
        var builder = ShippedProfile("Development");

        Assert.Equal("Simulated", builder.Configuration["Upstream:Provider"]);
        builder.AddBreakerSilo();
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(OrleansBreaker.Upstream.ILinkedInUpstream));
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
