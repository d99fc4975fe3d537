using Microsoft.Extensions.Options;
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

    /// <summary>Uses PostgreSQL for clustering, reminders and grain state.</summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="connectionString">An Npgsql connection string to a database with the <c>deploy/sql</c> schema.</param>
    public static ISiloBuilder UseBreakerPostgres(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        connectionString = PostgresConnection.WithBreakerDefaults(connectionString);

        silo.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });

        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });

        silo.AddAdoNetGrainStorage(StorageNames.GrainStore, (OptionsBuilder<AdoNetGrainStorageOptions> storage) =>
            storage.Configure<Serializer>((options, serializer) =>
            {
                // Persistence defaults to SQL Server's invariant: always name ours.
                options.Invariant = Invariant;
                options.ConnectionString = connectionString;
                // The default serializer is Newtonsoft JSON with CLR type names embedded in every row,
                // so renaming or moving a state type would strand the rows already written. The Orleans
                // serializer writes fields by their [Id] and types by their [Alias], both of which our
                // [GenerateSerializer] state records keep stable on purpose: rows survive refactoring.
                options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));

        return silo;
    }
}
