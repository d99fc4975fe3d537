using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Demo;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Silo.Hosting;

/// <summary>Cluster identity and endpoints (configuration section <c>Orleans</c>).</summary>
public sealed class SiloHostOptions
{
    public const string Section = "Orleans";

    /// <summary>Stable across deployments: keys grain state and reminders.</summary>
    public string ServiceId { get; set; } = "orleansbreaker";
    /// <summary>One per environment (dev, staging, prod): silos with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "dev";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>Embedded mode only: the first silo's port, which the others join through.</summary>
    public int PrimarySiloPort { get; set; } = 11111;
    /// <summary>The address other silos reach this one at; loopback unless set (e.g. the pod IP).</summary>
    public string? AdvertisedIp { get; set; }
    /// <summary>This silo's HTTP port: <c>/healthz</c> and <c>/metrics</c> (<see cref="SiloOperations"/>). On loopback, or on every address when <see cref="AdvertisedIp"/> is set, like the silo and gateway ports.</summary>
    public int HttpPort { get; set; } = 5100;
}

public static class BreakerSilo
{
    /// <summary>
    /// The one way to make a silo OrleansBreaker's: grain state and reminders where <c>Storage:Provider</c> says
    /// (memory, or PostgreSQL through the ADO.NET providers), and every service the grains need
    /// (<see cref="BreakerServices.AddBreakerServices"/>). The process's host (<see cref="AddBreakerSilo"/>), the
    /// test clusters and the benchmark harness all build their silos with it; they differ only in
    /// <paramref name="configuration"/> and in the parts they put in place of the product's (<paramref name="overrides"/>).
    /// Clustering and endpoints are the caller's (the test host brings its own).
    /// </summary>
    public static ISiloBuilder UseBreaker(this ISiloBuilder silo, IConfiguration configuration, BreakerOverrides? overrides = null)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider == StorageProvider.Postgres)
        {
            silo.UseBreakerPostgres(storage.ConnectionString!, storage.MaxPoolSize);
        }
        else
        {
            silo.UseBreakerMemoryStorage();
        }
        silo.Services.AddBreakerServices(configuration, overrides);
        return silo;
    }

    /// <summary>
    /// Adds an OrleansBreaker silo to the host. <c>Storage:Provider</c> chooses, explicitly, between the
    /// embedded default (Memory) and PostgreSQL; nothing is inferred from the environment.
    /// </summary>
    /// <remarks>
    /// With a <see cref="Microsoft.AspNetCore.Builder.WebApplicationBuilder"/> (Program.cs) the silo also listens on
    /// <c>Orleans:HttpPort</c>; Program.cs maps <see cref="SiloOperations.MapSiloOperations"/> there.
    /// </remarks>
    public static TBuilder AddBreakerSilo<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var configuration = builder.Configuration;
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(storage, new ValidationContext(storage), problems, validateAllProperties: true))
        {
            throw new InvalidOperationException("Invalid configuration: " + string.Join(" ", problems.Select(p => p.ErrorMessage)));
        }
        var host = configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        // Outside the simulation profile, only a real provider: an in-process stand-in in production
        // would report deliveries that never happened.
        if (UpstreamProviders.Read(configuration) == UpstreamProvider.Simulated && !builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"Upstream:Provider is Simulated in the {builder.Environment.EnvironmentName} environment; the in-process stand-in is for the " +
                "Development profile only (DOTNET_ENVIRONMENT=Development). Set Upstream__Provider=Http and Upstream__BaseUrl to the provider's URL.");
        }

        // The HTTP port listens where the silo port does: loopback under run.sh, every address in a pod.
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
            kestrel.Listen(host.AdvertisedIp is null ? IPAddress.Loopback : IPAddress.Any, host.HttpPort));
        if (storage.Provider == StorageProvider.Postgres)
        {
            // Runs before the silo starts: a missing or outdated schema stops the process with a clear message.
            builder.Services.AddHostedService<PostgresStartupCheck>();
        }

        builder.UseOrleans(silo =>
        {
            // The Orleans Dashboard's grains run in the silos; the client mounts its UI behind the admin key.
            silo.AddDashboard();
            // Opt-in mutual TLS on the silo and gateway ports (Orleans:Tls; docs/operations.md).
            silo.UseBreakerTls(configuration);
            silo.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = host.ServiceId;
                o.ClusterId = host.ClusterId;
            });
            if (storage.Provider == StorageProvider.Postgres)
            {
                var ip = host.AdvertisedIp is null ? IPAddress.Loopback : IPAddress.Parse(host.AdvertisedIp);
                silo.ConfigureEndpoints(ip, host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: host.AdvertisedIp is not null);
            }
            else
            {
                silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, new IPEndPoint(IPAddress.Loopback, host.PrimarySiloPort));
            }
            silo.UseBreaker(configuration);
            // One instance per silo port: distinct for the silos of one machine (run.sh), and the pod name in Kubernetes.
            silo.AddBreakerTelemetry(configuration, $"{Environment.MachineName}:{host.SiloPort}");
        });

        if (configuration.GetValue("Demo:Enabled", false))
        {
            builder.Services.AddHostedService<DemoWorkspace>();
        }
        return builder;
    }
}
