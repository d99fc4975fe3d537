using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace OrleansBreaker.Hosting;

/// <summary>
/// The Npgsql settings every silo connection gets unless the operator's connection string names them.
/// Measured in <c>docs/benchmarks.md</c> (finding D): together they made a persisted dispatch 2.5× faster.
/// </summary>
public static class PostgresConnection
{
    /// <summary>
    /// Adds, where the connection string is silent on them: <c>Max Auto Prepare=32</c> and
    /// <c>Auto Prepare Min Usages=2</c> (the providers' few statements are planned once per connection,
    /// not on every call) and <c>No Reset On Close=true</c> (no <c>DISCARD ALL</c> on every pooled open,
    /// which would also drop those prepared statements). Safe because no statement of ours, nor of the
    /// Orleans ADO.NET providers, changes session state. A value the operator set is kept as set.
    /// </summary>
    public static string WithBreakerDefaults(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // DbConnectionStringBuilder keeps only the keywords actually written, whatever their spelling.
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Select(Normalise)
            .ToHashSet();
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!written.Contains("maxautoprepare"))
        {
            tuned.MaxAutoPrepare = 32;
        }
        if (!written.Contains("autoprepareminusages"))
        {
            tuned.AutoPrepareMinUsages = 2;
        }
        if (!written.Contains("noresetonclose"))
        {
            tuned.NoResetOnClose = true;
        }
        return tuned.ConnectionString;
    }

    /// <summary>
    /// The first word of the <c>application_name</c> a silo's sessions carry unless the connection string
    /// names one; <see cref="ProcessApplicationName"/> adds the host and process id, so pg_stat_activity
    /// counts each process's connections against its own budget.
    /// </summary>
    public const string SiloApplicationName = "orleansbreaker-silo";

    /// <summary><c>{kind} {host} {pid}</c>, within PostgreSQL's 63 bytes (it truncates longer names).</summary>
    public static string ProcessApplicationName(string kind)
    {
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var room = Math.Max(0, 63 - kind.Length - pid.Length - 2);
        var host = Environment.MachineName.Length <= room ? Environment.MachineName : Environment.MachineName[..room];
        return $"{kind} {host} {pid}";
    }

    /// <summary>
    /// The connection string of this process's one pool: <see cref="WithBreakerDefaults(string)"/>, then
    /// <c>Maximum Pool Size</c> set to <paramref name="maxPoolSize"/> (the process's whole budget, see
    /// <see cref="PoolBudget"/>) and, unless written, <c>Application Name</c> to
    /// <see cref="ProcessApplicationName"/> of <paramref name="kind"/>.
    /// </summary>
    public static string ForProcess(string connectionString, int maxPoolSize, string kind = SiloApplicationName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoolSize, 1);
        var tuned = new NpgsqlConnectionStringBuilder(WithBreakerDefaults(connectionString)) { MaxPoolSize = maxPoolSize };
        if (tuned.MinPoolSize > maxPoolSize)
        {
            tuned.MinPoolSize = maxPoolSize;
        }
        if (string.IsNullOrEmpty(tuned.ApplicationName))
        {
            tuned.ApplicationName = ProcessApplicationName(kind);
        }
        return tuned.ConnectionString;
    }

    /// <summary>
    /// Registers the process's one <see cref="NpgsqlDataSource"/>, sized by <paramref name="storage"/>'s budget:
    /// the Orleans ADO.NET providers (<c>UseBreakerPostgres</c>), the event log and every other store of the
    /// silo take it from DI. The first registration wins, so <c>UseBreakerPostgres</c> and
    /// <c>AddBreakerServices</c> may both call this in either order and still share one pool.
    /// </summary>
    public static IServiceCollection AddBreakerDataSource(this IServiceCollection services, StorageOptions storage)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storage.ConnectionString);
        if (PoolBudget.Disagreement(storage.MaxPoolSize, storage.ConnectionString) is { } disagreement)
        {
            throw new InvalidOperationException("Invalid configuration: " + disagreement);
        }
        var connectionString = ForProcess(storage.ConnectionString, storage.PoolSize());
        // Two registrations that would size or address the one pool differently are a configuration error,
        // not a choice to make silently (e.g. a budget given to AddBreakerServices but not to UseBreakerPostgres).
        if (services.FirstOrDefault(d => d.ServiceType == typeof(ProcessPool))?.ImplementationInstance is ProcessPool registered)
        {
            if (registered.ConnectionString != connectionString)
            {
                throw new InvalidOperationException(
                    $"The process's PostgreSQL data source is configured twice, differently: Maximum Pool Size {new NpgsqlConnectionStringBuilder(registered.ConnectionString).MaxPoolSize} " +
                    $"and {storage.PoolSize()}, or two connection strings. UseBreakerPostgres and AddBreakerServices must be given the same Storage settings.");
            }
            return services;
        }
        services.AddSingleton(new ProcessPool(connectionString));
        services.TryAddSingleton(sp => NpgsqlDataSource.Create(sp.GetRequiredService<ProcessPool>().ConnectionString));
        return services;
    }

    /// <summary>The connection string of the process's one pool, as registered first.</summary>
    private sealed record ProcessPool(string ConnectionString);

    private static string Normalise(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
}
