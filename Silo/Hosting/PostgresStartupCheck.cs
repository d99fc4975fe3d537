using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Silo.Hosting;

/// <summary>
/// Refuses to start a silo on a database that is unreachable or lacks the expected schema version, and
/// warns when the processes' pools together could exceed the connections the server admits.
/// </summary>
internal sealed partial class PostgresStartupCheck(IServiceProvider services, IOptions<StorageOptions> storage, ILogger<PostgresStartupCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        await PostgresSchema.EnsureCurrentAsync(dataSource, cancellationToken);
        await CheckPoolBudgetAsync(dataSource, storage.Value.ExpectedProcesses, logger, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Reads the server's <c>max_connections</c> and reserved slots and logs a warning when this process's
    /// budget times <paramref name="processes"/> would exceed them: under full load some opens would then be
    /// refused (53300). Only a warning: pools grow on demand, so an overcommitted set-up works until the load
    /// comes, and the operator may know better (e.g. processes that never fill their pools).
    /// </summary>
    internal static async Task<PoolFit> CheckPoolBudgetAsync(NpgsqlDataSource dataSource, int processes, ILogger logger, CancellationToken cancellationToken)
    {
        var budget = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize;
        await using var command = dataSource.CreateCommand(
            // reserved_connections exists from PostgreSQL 16 on; missing_ok reads it as absent before.
            "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int, " +
            "coalesce(current_setting('reserved_connections', true), '0')::int");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (max, superuserReserved, reserved) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
        var usable = PoolBudget.Usable(max, superuserReserved, reserved);
        var fit = PoolBudget.Check(budget, processes, usable);
        if (fit == PoolFit.Overcommitted)
        {
            LogOvercommitted(logger, budget, processes, (long)budget * processes, max, superuserReserved + reserved, usable,
                PoolBudget.PerProcess(usable, processes));
        }
        else
        {
            LogFits(logger, budget, processes, max, usable);
        }
        return fit;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "PostgreSQL pool budget overcommitted: this process may hold {Budget} connections (Storage:MaxPoolSize) and {Processes} " +
        "processes are expected (Storage:ExpectedProcesses), {Total} in all, but the server admits {Usable} (max_connections {Max} " +
        "minus {Reserved} reserved). Under full load some connections will be refused with 53300 (too many clients). " +
        "Set Storage:MaxPoolSize to at most {Fitting} per process or raise max_connections (docs/operations.md, \"Connection pools\").")]
    private static partial void LogOvercommitted(ILogger logger, int budget, int processes, long total, int max, int reserved, int usable, int fitting);

    [LoggerMessage(Level = LogLevel.Information, Message =
        "PostgreSQL pool budget: {Budget} connections for this process, {Processes} expected process(es), within the server's {Usable} usable of max_connections {Max}")]
    private static partial void LogFits(ILogger logger, int budget, int processes, int max, int usable);
}
