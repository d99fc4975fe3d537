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

    /// <summary>Uses the PostgreSQL membership table to discover gateways.</summary>
    /// <param name="client">The client builder.</param>
    /// <param name="connectionString">An Npgsql connection string to a database with the <c>deploy/sql</c> schema.</param>
    public static IClientBuilder UseBreakerPostgres(this IClientBuilder client, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        client.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        return client;
    }
}
