using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Xunit.Abstractions;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;

namespace OrleansBreaker.Tests.Postgres;

/// <summary>
/// A silo sized by <c>Storage:MaxPoolSize</c>, under concurrent load on a PostgreSQL that admits only a few
/// clients: every connection the process opens (clustering, reminders, grain storage, the event log)
/// comes out of its one budget, so the server never refuses it (53300) and callers wait for a pooled
/// connection instead of failing. Unbounded (two pools of Npgsql's default 100) it meets
/// <c>sorry, too many clients already</c> within seconds.
/// </summary>
public sealed class PoolBudgetTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Small enough that two unbounded pools of one silo overrun it under this load.</summary>
    private const int ServerMaxConnections = 20;
    private const int SiloBudget = 6;
    private const string SiloApplication = "budget-silo";
    private const string ClientApplication = "budget-client";
    private const int Accounts = 80;
    private const int DispatchesPerAccount = 12;
    private const int EventLogReaders = 16;

    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private PostgresServer _server = null!;
    private TestCluster _cluster = null!;
    private string _monitorConnectionString = "";

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartNewAsync(new PostgresServerOptions { MaxConnections = ServerMaxConnections });
        var database = new NpgsqlConnectionStringBuilder(await _server.CreateDatabaseAsync("budget"))
        {
            // A loaded CI machine can make a pool wait long; a wait is what is tested, not its length.
            Timeout = 60,
            CommandTimeout = 60,
        };
        _monitorConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false, ApplicationName = "budget-monitor" }.ConnectionString;
        var silo = new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = SiloApplication }.ConnectionString;
        var client = new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = ClientApplication, MaxPoolSize = 2 }.ConnectionString;

        var builder = new TestClusterBuilder(1);
        builder.Options.UseTestClusterMembership = false;
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = silo,
            ["Storage:MaxPoolSize"] = SiloBudget.ToString(),
            [BudgetClientConfigurator.ConnectionStringKey] = client,
            ["Dispatch:AutoDispatch"] = "false",
            ["Dispatch:MinInterval"] = "00:00:00",
            ["Dispatch:MaxJitter"] = "00:00:00",
            ["Upstream:Provider"] = "Simulated",
        }));
        builder.AddSiloBuilderConfigurator<BudgetSiloConfigurator>();
        builder.AddClientBuilderConfigurator<BudgetClientConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task SiloUnderConcurrentLoad_OnASmallServer_IsNeverRefused_AndNeverExceedsItsBudget()
    {
        var grains = _cluster.GrainFactory;
        var accounts = Enumerable.Range(1, Accounts).Select(i => $"a{i}").ToList();
        var log = _cluster.GetSiloServiceProvider(_cluster.Silos[0].SiloAddress).GetRequiredService<IEventLog>();
        var since = DateTimeOffset.UtcNow.AddDays(-1);
        var failures = new ConcurrentQueue<string>();
        var peaks = new ConcurrentDictionary<string, int>();
        using var done = new CancellationTokenSource();
        var monitor = MonitorConnectionsAsync(peaks, done.Token);

        // Every account at once: configured (a grain-state write), then dispatching one send after another.
        var dispatchers = accounts.Select(async account =>
        {
            var grain = grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, account));
            try
            {
                await grain.ConfigureAsync(new AccountSettings
                {
                    Limits = new Dictionary<ActionType, CapLimits> { [ActionType.ViewProfile] = new(100_000, 100_000) },
                });
            }
            catch (Exception ex)
            {
                failures.Enqueue($"{account} configure: {ex.GetType().Name}: {ex.Message}");
                return;
            }
            for (var i = 0; i < DispatchesPerAccount; i++)
            {
                try
                {
                    var result = await grain.DispatchAsync(new DispatchCommand { CampaignId = "load", ProspectId = $"p{i}", Step = 0, Action = ActionType.ViewProfile });
                    if (result.Status != DispatchStatus.Sent)
                    {
                        failures.Enqueue($"{account}/p{i}: {result.Status} {result.Reason}");
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue($"{account}/p{i}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }).ToList();
        var readers = Enumerable.Range(0, EventLogReaders).Select(async r =>
        {
            var reads = 0;
            while (!done.IsCancellationRequested || reads == 0)
            {
                try
                {
                    await log.ReadDeliveredSinceAsync(_ws, accounts[(r + reads) % accounts.Count], since);
                }
                catch (Exception ex)
                {
                    failures.Enqueue($"event log read: {ex.GetType().Name}: {ex.Message}");
                }
                reads++;
            }
        }).ToList();

        await Task.WhenAll(dispatchers);
        done.Cancel();
        await Task.WhenAll(readers);
        await monitor;

        var refused = File.ReadLines(_server.LogFile).Count(l => l.Contains("too many clients", StringComparison.Ordinal));
        var peak = peaks.GetValueOrDefault(SiloApplication);
        var summary = $"peak connections per application: {string.Join(", ", peaks.Select(p => $"{p.Key}={p.Value}"))}; " +
            $"refused by the server: {refused}; failures: {failures.Count} (first: {string.Join(" | ", failures.Take(3))})";
        output.WriteLine(summary);
        Assert.True(refused == 0, summary);
        Assert.True(failures.IsEmpty, summary);
        Assert.True(peak is > 0 and <= SiloBudget, summary);
    }

    /// <summary>Samples pg_stat_activity on a connection of its own (outside every pool) and keeps each application's peak.</summary>
    private async Task MonitorConnectionsAsync(ConcurrentDictionary<string, int> peaks, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(_monitorConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT application_name, count(*)::int FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1", connection);
        while (!stop.IsCancellationRequested)
        {
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var name = reader.GetString(0);
                    var count = reader.GetInt32(1);
                    peaks.AddOrUpdate(name, count, (_, old) => Math.Max(old, count));
                }
            }
            try
            {
                await Task.Delay(20, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}

/// <summary>The product's silo on PostgreSQL, configured from the host configuration (Storage, Dispatch, Upstream sections).</summary>
public sealed class BudgetSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        siloBuilder.UseBreaker(siloBuilder.Configuration);
    }
}

public sealed class BudgetClientConfigurator : IClientBuilderConfigurator
{
    public const string ConnectionStringKey = "BreakerTests:BudgetClientConnectionString";

    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
        clientBuilder.UseAdoNetClustering(options =>
        {
            options.Invariant = "Npgsql";
            options.ConnectionString = configuration[ConnectionStringKey];
        });
}
