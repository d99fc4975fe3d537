using System.ComponentModel.DataAnnotations;
using System.Net;
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
}

public static class BreakerSilo
{
    /// <summary>
    /// Adds an OrleansBreaker silo to the host. <c>Storage:Provider</c> chooses, explicitly, between the
    /// embedded default (Memory) and PostgreSQL; nothing is inferred from the environment.
    /// </summary>
    public static HostApplicationBuilder AddBreakerSilo(this HostApplicationBuilder builder)
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

        builder.Services.AddBreakerServices(configuration);
        builder.Services.AddMetricsPublisher();
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
                silo.UseBreakerPostgres(storage.ConnectionString!);
            }
            else
            {
                silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, new IPEndPoint(IPAddress.Loopback, host.PrimarySiloPort));
                silo.UseBreakerMemoryStorage();
            }
        });

        if (configuration.GetValue("Demo:Enabled", false))
        {
            builder.Services.AddHostedService<DemoWorkspace>();
        }
        return builder;
    }
}
