using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Silo.Hosting;

/// <summary>
/// Runs a silo on PostgreSQL through Orleans' ADO.NET providers: membership, reminders and the
/// grain store <see cref="StorageNames.GrainStore"/>. The database must carry the <c>deploy/sql</c>
/// schema, whose OrleansQuery rows the providers load once at start.
/// </summary>
public static class PostgresHosting
{
    /// <summary>The ADO.NET invariant Orleans maps to Npgsql's provider factory.</summary>
    private const string Invariant = "Npgsql";

    /// <summary>Uses PostgreSQL for clustering, reminders and grain state, all through the process's one data source.</summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="connectionString">An Npgsql connection string to a database with the <c>deploy/sql</c> schema.</param>
    /// <param name="maxPoolSize">The process's connection budget; null: the host configuration's <c>Storage:MaxPoolSize</c>.</param>
    /// <remarks>
    /// Orleans 10.4's ADO.NET providers take a <see cref="System.Data.Common.DbDataSource"/> (their
    /// <c>DataSource</c> option, exclusive with <c>ConnectionString</c>; Orleans does not dispose it): they get the
    /// process's one <see cref="NpgsqlDataSource"/>, the event log's too, so the silo has one pool and one
    /// budget, <c>Storage:MaxPoolSize</c> (<see cref="PoolBudget"/>). Given connection strings instead, each
    /// provider would open Npgsql's global pool for that string, beside the data source's own pool.
    /// </remarks>
    public static ISiloBuilder UseBreakerPostgres(this ISiloBuilder silo, string connectionString, int? maxPoolSize = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        silo.Services.AddBreakerDataSource(new StorageOptions
        {
            Provider = StorageProvider.Postgres,
            ConnectionString = connectionString,
            MaxPoolSize = maxPoolSize ?? silo.Configuration.GetValue<int?>($"{StorageOptions.Section}:{nameof(StorageOptions.MaxPoolSize)}"),
        });

        silo.UseAdoNetClustering((OptionsBuilder<AdoNetClusteringSiloOptions> clustering) =>
            clustering.Configure<NpgsqlDataSource>((options, dataSource) =>
            {
                options.Invariant = Invariant;
                options.DataSource = dataSource;
            }));

        silo.UseAdoNetReminderService((OptionsBuilder<AdoNetReminderTableOptions> reminders) =>
            reminders.Configure<NpgsqlDataSource>((options, dataSource) =>
            {
                options.Invariant = Invariant;
                options.DataSource = dataSource;
            }));

        silo.AddAdoNetGrainStorage(StorageNames.GrainStore, (OptionsBuilder<AdoNetGrainStorageOptions> storage) =>
            storage.Configure<Serializer, NpgsqlDataSource>((options, serializer, dataSource) =>
            {
                // Persistence defaults to SQL Server's invariant: always name ours.
                options.Invariant = Invariant;
                options.DataSource = dataSource;
                // The default serializer is Newtonsoft JSON with CLR type names embedded in every row,
                // so renaming or moving a state type would strand the rows already written. The Orleans
                // serializer writes fields by their [Id] and types by their [Alias], both of which our
                // [GenerateSerializer] state records keep stable on purpose: rows survive refactoring.
                options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));

        return silo;
    }
}
