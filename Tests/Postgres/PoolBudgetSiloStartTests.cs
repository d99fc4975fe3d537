using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansBreaker.Silo.Hosting;

namespace OrleansBreaker.Tests.Postgres;

/// <summary>The product's silo (<c>AddBreakerSilo</c>) sizes its one pool from Storage:MaxPoolSize and says at start whether it fits the server.</summary>
public sealed class PoolBudgetSiloStartTests
{
    [Fact]
    public async Task OvercommittedBudget_StartsTheSilo_WithAWarningNamingTheFittingBudget()
    {
        var server = await PostgresServer.SharedAsync(); // max_connections 500: 497 usable
        var log = new CapturedLog();
        var builder = SiloBuilder(await server.CreateDatabaseAsync("siloover"), maxPoolSize: "200", processes: "3");
        builder.Logging.AddProvider(log);
        using var host = builder.AddBreakerSilo().Build();

        await host.StartAsync();
        try
        {
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            Assert.Equal(200, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize);
            var warning = Assert.Single(log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("pool budget overcommitted"));
            Assert.Contains("at most 165 per process", warning.Message);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void BudgetAndConnectionString_Disagreeing_AreRejectedBeforeAnythingStarts()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            SiloBuilder("Host=127.0.0.1;Port=1;Database=x;Username=postgres;Maximum Pool Size=50", maxPoolSize: "30", processes: "1").AddBreakerSilo());

        Assert.Contains("Storage:MaxPoolSize is 30", ex.Message);
    }

    private static HostApplicationBuilder SiloBuilder(string connectionString, string maxPoolSize, string processes)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:MaxPoolSize"] = maxPoolSize,
            ["Storage:ExpectedProcesses"] = processes,
            ["Orleans:ClusterId"] = "pools-" + Guid.NewGuid().ToString("N")[..8],
            ["Orleans:SiloPort"] = FreePort().ToString(),
            ["Orleans:GatewayPort"] = FreePort().ToString(),
            ["Upstream:Provider"] = "Http",
            ["Upstream:BaseUrl"] = "http://127.0.0.1:5090",
            ["Dispatch:AutoDispatch"] = "false",
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

    private sealed class CapturedLog : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
