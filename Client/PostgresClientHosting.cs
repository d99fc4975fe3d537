using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace OrleansBreaker.Client;

/// <summary>
/// Lets an Orleans client find the silos of a PostgreSQL-backed cluster through the ADO.NET
/// membership table (the gateways query of <c>deploy/sql</c>). Needs only
/// Microsoft.Orleans.Clustering.AdoNet and Npgsql, so it can live in any client project.
/// </summary>
public static class PostgresClientHosting
{
    /// <summary>The ADO.NET invariant Orleans maps to Npgsql's provider factory.</summary>
    private const string Invariant = "Npgsql";

    /// <summary>
    /// The first word of the <c>application_name</c> of the dashboard's sessions unless the connection string
    /// names one; followed by the host and process id, as the silos' are, so each process's count shows.
    /// </summary>
    public const string ApplicationName = "orleansbreaker-dashboard";

    /// <summary>
    /// The pool size when neither <c>Storage:MaxPoolSize</c> nor the connection string names one: the silos'
    /// default (PoolBudget.DefaultPerProcess in Grains, which this project does not reference), so one rule
    /// sizes every process. The client only reads the gateway list, so its pool rarely holds more than one.
    /// </summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>Uses the PostgreSQL membership table to discover gateways, through one data source of this process.</summary>
    /// <param name="client">The client builder.</param>
    /// <param name="connectionString">An Npgsql connection string to a database with the <c>deploy/sql</c> schema.</param>
    /// <param name="maxPoolSize">This process's budget (<c>Storage:MaxPoolSize</c>); null: the connection string's, else <see cref="DefaultMaxPoolSize"/>.</param>
    public static IClientBuilder UseBreakerPostgres(this IClientBuilder client, string connectionString, int? maxPoolSize = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var pooled = ForProcess(connectionString, maxPoolSize);
        // A singleton, so the host disposes it (Orleans does not dispose a data source it is given).
        client.Services.AddSingleton(_ => NpgsqlDataSource.Create(pooled));
        client.UseAdoNetClustering((OptionsBuilder<AdoNetClusteringClientOptions> clustering) =>
            clustering.Configure<NpgsqlDataSource>((options, dataSource) =>
            {
                options.Invariant = Invariant;
                options.DataSource = dataSource;
            }));
        return client;
    }

    /// <summary>The dashboard's pool: <c>Maximum Pool Size</c> from the budget, <c>Application Name</c> unless written.</summary>
    internal static string ForProcess(string connectionString, int? maxPoolSize)
    {
        if (maxPoolSize is < 1)
        {
            throw new InvalidOperationException($"Storage:MaxPoolSize must be at least 1, not {maxPoolSize}.");
        }
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var writesPool = written.Contains("maximumpoolsize") || written.Contains("maxpoolsize");
        if (maxPoolSize is { } budget && writesPool && builder.MaxPoolSize != budget)
        {
            throw new InvalidOperationException(
                $"Storage:MaxPoolSize is {budget} but Storage:ConnectionString sets Maximum Pool Size={builder.MaxPoolSize}; the process has one pool and one budget: set one of them.");
        }
        builder.MaxPoolSize = maxPoolSize ?? (writesPool ? builder.MaxPoolSize : DefaultMaxPoolSize);
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, builder.MaxPoolSize);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            // PostgreSQL keeps 63 bytes of it: a long host name is cut, never the process id.
            var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var room = Math.Max(0, 63 - ApplicationName.Length - pid.Length - 2);
            var host = Environment.MachineName.Length <= room ? Environment.MachineName : Environment.MachineName[..room];
            builder.ApplicationName = $"{ApplicationName} {host} {pid}";
        }
        return builder.ConnectionString;
    }
}
