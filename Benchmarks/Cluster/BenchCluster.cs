using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// The product's silo, built as every silo is (<c>UseBreaker</c>: memory storage and reminders, or PostgreSQL
/// through the ADO.NET providers), with pacing off and campaigns not dispatching by themselves. Put in place of
/// the product's parts: the clock (the world's) and the upstream (the world's simulated LinkedIn, metered).
/// Wrapped: the event log and grain store the product registered (timed per call). Logging at the production
/// levels into a counter.
/// </summary>
public sealed class BenchSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        var world = BenchWorld.Get(siloBuilder.Configuration[BenchWorld.ConfigKey]);
        var settings = new Dictionary<string, string?>
        {
            ["Dispatch:AutoDispatch"] = "false",
            ["Dispatch:MinInterval"] = "00:00:00",
            ["Dispatch:MaxJitter"] = "00:00:00",
            // Replaced below by the world's metered upstream; the choice must still be explicit.
            ["Upstream:Provider"] = "Simulated",
        };
        if (world.ConnectionString is { } connectionString)
        {
            settings["Storage:Provider"] = "Postgres";
            settings["Storage:ConnectionString"] = connectionString;
        }
        if (world.Upstream.Ledger is { } ledger)
        {
            siloBuilder.AddIncomingGrainCallFilter(ledger.FilterAsync);
        }
        if (world.ReminderRefresh is { } refresh)
        {
            siloBuilder.Configure<ReminderOptions>(o => o.RefreshReminderListPeriod = refresh);
        }
        foreach (var (key, value) in world.Settings)
        {
            settings[key] = value;
        }
        siloBuilder.UseBreaker(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), new BreakerOverrides
        {
            Clock = world.Clock,
            LinkedIn = world.LinkedIn,
            Upstream = sp => new MeteredUpstream(world.LinkedIn, world.Upstream, sp.GetRequiredService<ILocalSiloDetails>().Name),
        });
        var services = siloBuilder.Services;
        DecorateEventLog(services, world.EventLog);
        DecorateGrainStore(services, world.Storage);
        services.AddLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddFilter("OrleansBreaker", LogLevel.Information);
            logging.AddProvider(world.Logs);
        });
    }

    /// <summary>Wraps the product's grain store (memory or ADO.NET), registered keyed by <see cref="StorageNames.GrainStore"/>.</summary>
    private static void DecorateGrainStore(IServiceCollection services, StorageMeter meter)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, StorageNames.GrainStore))
            ?? throw new InvalidOperationException($"No grain storage named {StorageNames.GrainStore} is registered.");
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(StorageNames.GrainStore, (sp, key) =>
        {
            var inner = registered.KeyedImplementationInstance as IGrainStorage
                ?? registered.KeyedImplementationFactory?.Invoke(sp, key) as IGrainStorage
                ?? (IGrainStorage)ActivatorUtilities.CreateInstance(sp, registered.KeyedImplementationType!);
            return new MeteredGrainStorage(inner, meter, sp.GetRequiredService<Orleans.Serialization.Serializer>());
        });
    }

    /// <summary>Wraps whatever <see cref="IEventLog"/> the product registered (in-memory or PostgreSQL) in a meter.</summary>
    private static void DecorateEventLog(IServiceCollection services, EventLogMeter meter)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IEventLog) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("AddBreakerServices registered no IEventLog.");
        services.Remove(registered);
        services.AddSingleton<IEventLog>(sp =>
        {
            var inner = registered.ImplementationInstance as IEventLog
                ?? registered.ImplementationFactory?.Invoke(sp) as IEventLog
                ?? (IEventLog)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!);
            return new MeteredEventLog(inner, meter);
        });
    }
}

/// <summary>The cluster client: quiet logging; on PostgreSQL it finds the gateways through ADO.NET clustering.</summary>
public sealed class BenchClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
    {
        var world = BenchWorld.Get(configuration[BenchWorld.ConfigKey]);
        if (world.ConnectionString is { } connectionString)
        {
            clientBuilder.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
        }
        clientBuilder.Services.AddLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Error);
            logging.AddProvider(world.Logs);
        });
    }
}

internal static class BenchCluster
{
    public static async Task<TestCluster> StartAsync(BenchWorld world, short silos)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = "bench-" + world.Id[..12];
        builder.Options.ClusterId = "bench-" + world.Id[..12];
        // On PostgreSQL the membership is the product's own (ADO.NET), as in the durable tests.
        builder.Options.UseTestClusterMembership = world.ConnectionString is null;
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { [BenchWorld.ConfigKey] = world.Id }));
        builder.AddSiloBuilderConfigurator<BenchSiloConfigurator>();
        builder.AddClientBuilderConfigurator<BenchClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static async Task StopAsync(TestCluster cluster)
    {
        try
        {
            await cluster.StopAllSilosAsync();
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>A service of the primary silo (in-process silos only).</summary>
    public static T SiloService<T>(SiloHandle silo) where T : notnull =>
        ((InProcessSiloHandle)silo).ServiceProvider.GetRequiredService<T>();
}
