using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Tests.Postgres;
using OrleansBreaker.Testing;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// The product's own silo set-up on PostgreSQL (ADO.NET clustering, grain storage, reminders, the
/// PostgreSQL event log), with a fake clock and one in-process LinkedIn shared by every silo of
/// the process, so a test can see exactly what reached "LinkedIn" whichever silo sent it.
/// </summary>
public sealed class DurableSiloConfigurator : ISiloConfigurator
{
    public const string ConnectionStringKey = "BreakerTests:DurableConnectionString";
    public const string DispatchOverrides = "BreakerTests:Dispatch";

    public static FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero));

    public static SimulatedLinkedIn LinkedIn { get; } = new(Time);

    public static BreakerOverrides World => new() { Clock = Time, LinkedIn = LinkedIn };

    public void Configure(ISiloBuilder siloBuilder) => Build(siloBuilder, World);

    /// <summary>The product's PostgreSQL silo as the durable tests run it, on <paramref name="world"/>'s parts.</summary>
    public static ISiloBuilder Build(ISiloBuilder siloBuilder, BreakerOverrides world)
    {
        var connectionString = siloBuilder.Configuration[ConnectionStringKey]
            ?? throw new InvalidOperationException($"{ConnectionStringKey} is not configured.");
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = connectionString,
            ["Dispatch:AutoDispatch"] = "false",
            ["Upstream:Provider"] = "Simulated",
        };
        // A test may override dispatch settings (e.g. turn the campaigns' own timers on).
        foreach (var (key, value) in siloBuilder.Configuration.GetSection(DispatchOverrides).AsEnumerable(makePathsRelative: true))
        {
            settings["Dispatch:" + key] = value;
        }
        siloBuilder.UseBreaker(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), world);
        return siloBuilder.UseFastMembership();
    }
}

public sealed class DurableClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
        clientBuilder.UseAdoNetClustering(options =>
        {
            options.Invariant = "Npgsql";
            options.ConnectionString = configuration[DurableSiloConfigurator.ConnectionStringKey];
        });
}

/// <summary>Builds product clusters on one database; the same ServiceId each time, so a new cluster finds the old state.</summary>
public static class DurableCluster
{
    public static async Task<TestCluster> StartAsync(string connectionString, short silos, string serviceId, string? clusterId = null,
        IReadOnlyDictionary<string, string>? dispatch = null)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ServiceId = serviceId;
        builder.Options.ClusterId = clusterId ?? "c-" + Guid.NewGuid().ToString("N")[..8];
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DurableSiloConfigurator.ConnectionStringKey] = connectionString,
        }.Concat((dispatch ?? new Dictionary<string, string>()).Select(kv =>
            KeyValuePair.Create($"{DurableSiloConfigurator.DispatchOverrides}:{kv.Key}", (string?)kv.Value)))));
        builder.AddSiloBuilderConfigurator<DurableSiloConfigurator>();
        builder.AddClientBuilderConfigurator<DurableClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>
    /// Silos that dispatch campaigns by themselves, each account letting one send through every 2 s of product
    /// time (run <see cref="RealTime"/> for product time to move).
    /// </summary>
    public static Task<TestCluster> StartPacedAsync(string connectionString, short silos, string campaignTick) =>
        StartAsync(connectionString, silos, "svc-" + Guid.NewGuid().ToString("N")[..8], dispatch: new Dictionary<string, string>
        {
            ["AutoDispatch"] = "true",
            ["CampaignTick"] = campaignTick,
            ["WakePollInterval"] = "00:00:01",
            ["MinInterval"] = "00:00:02",
            ["MaxJitter"] = "00:00:00",
        });

    /// <summary>Moves the shared fake clock with real time, a quarter second at a time, until disposed.</summary>
    public static IAsyncDisposable RealTime() => new RealTimeClock();

    private sealed class RealTimeClock : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _ticking;

        public RealTimeClock() => _ticking = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                DurableSiloConfigurator.Time.Advance(TimeSpan.FromMilliseconds(250));
                await Task.Delay(250);
            }
        });

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _ticking;
            _stop.Dispose();
        }
    }

    public static async Task StopAsync(TestCluster cluster)
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }

    /// <summary>Advances the shared fake clock in steps, letting reminders due on the way fire.</summary>
    public static async Task AdvanceAsync(TimeSpan by, TimeSpan step)
    {
        var end = DurableSiloConfigurator.Time.GetUtcNow() + by;
        while (DurableSiloConfigurator.Time.GetUtcNow() < end)
        {
            var next = DurableSiloConfigurator.Time.GetUtcNow() + step;
            DurableSiloConfigurator.Time.SetUtcNow(next < end ? next : end);
            await Task.Delay(50);
        }
        await Task.Delay(300);
    }

    /// <summary>Retries a call through silo failures (a killed silo's grains reactivate elsewhere within seconds).</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, int attempts = 40)
    {
        for (var i = 1; ; i++)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (i < attempts)
            {
                await Task.Delay(250);
            }
        }
    }

    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (Exception)
            {
                // a silo on its way out; ask again
            }
            await Task.Delay(200);
        }
        return await condition();
    }
}

/// <summary>
/// A test class with a PostgreSQL server of its own, which its tests may stop and start, and a one-silo
/// product cluster on it.
/// </summary>
public abstract class OwnServerCluster(string database) : IAsyncLifetime
{
    protected PostgresServer Server { get; private set; } = null!;
    protected TestCluster Cluster { get; private set; } = null!;
    protected string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.StartNewAsync();
        ConnectionString = await Server.CreateDatabaseAsync(database);
        Cluster = await DurableCluster.StartAsync(ConnectionString, 1, "svc-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public async Task DisposeAsync()
    {
        if (!Server.IsRunning)
        {
            await Server.StartAsync();
        }
        await DurableCluster.StopAsync(Cluster);
        await Server.DisposeAsync();
    }
}
