using System.Net.Sockets;
using Npgsql;

namespace OrleansBreaker.EventLog;

/// <summary>
/// The version of the <c>deploy/sql</c> schema this build needs, and the start-up check that a
/// database has it. The silo never creates or migrates the schema itself: an operator applies
/// <c>deploy/sql</c> (locally, <c>deploy/postgres.sh apply</c>).
/// </summary>
public static class PostgresSchema
{
    /// <summary>
    /// The <c>breaker_schema_version.version</c> this build needs at least: 3, because campaigns keep their
    /// prospects in <c>breaker_prospects</c> and their due index in <c>breaker_campaign_wakes</c>
    /// (<c>deploy/sql/003_prospects.sql</c>), and appends rely on the unique outcome key of
    /// <c>deploy/sql/002_unique_event_keys.sql</c> (their ON CONFLICT names it).
    /// </summary>
    public const int ExpectedVersion = 3;

    private const string HowToApply =
        "Apply deploy/sql: locally `deploy/postgres.sh apply`; elsewhere, for each deploy/sql/*.sql in order, " +
        "`psql -v ON_ERROR_STOP=1 --single-transaction -d <database> -f <file>`.";

    /// <summary>The OrleansQuery rows the ADO.NET providers need at start (clustering, reminders, persistence).</summary>
    internal static readonly IReadOnlyList<string> RequiredQueryKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey",
    ];

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/>, with what to do about it, when the database
    /// cannot be reached, when the schema is missing, or when it is older than <see cref="ExpectedVersion"/>.
    /// A newer schema is accepted: schema changes keep working with the previous build.
    /// </summary>
    public static async Task EnsureCurrentAsync(NpgsqlDataSource ds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ds);
        var where = Describe(ds);

        NpgsqlConnection connection;
        try
        {
            connection = await ds.OpenConnectionAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            throw new InvalidOperationException(
                $"PostgreSQL at {where} is reachable but the database does not exist. Create it (locally, " +
                $"`deploy/postgres.sh start` creates 'orleansbreaker'), then apply the schema. {HowToApply}", ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"Cannot connect to PostgreSQL at {where}: {ex.Message}. Check that the server runs (locally, " +
                "`deploy/postgres.sh start`) and that Storage:ConnectionString points at it.", ex);
        }

        await using (connection)
        {
            await using (var probe = new NpgsqlCommand(
                "SELECT to_regclass('breaker_schema_version') IS NOT NULL, to_regclass('orleansquery') IS NOT NULL", connection))
            await using (var reader = await probe.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                var missing = new List<string>();
                if (!reader.GetBoolean(0))
                {
                    missing.Add("breaker_schema_version");
                }
                if (!reader.GetBoolean(1))
                {
                    missing.Add("OrleansQuery");
                }
                if (missing.Count > 0)
                {
                    throw new InvalidOperationException(
                        $"The OrleansBreaker schema is missing from {where} (no table {string.Join(", no table ", missing)}). {HowToApply}");
                }
            }

            await using (var version = new NpgsqlCommand("SELECT max(version) FROM breaker_schema_version", connection))
            {
                var found = await version.ExecuteScalarAsync(ct) is int v ? v : (int?)null;
                if (found is null || found < ExpectedVersion)
                {
                    throw new InvalidOperationException(
                        $"The OrleansBreaker schema in {where} is at version {found?.ToString() ?? "none"}, but this build " +
                        $"needs version {ExpectedVersion}. Apply the newer deploy/sql files before starting the silo. {HowToApply}");
                }
            }

            await using (var queries = new NpgsqlCommand("SELECT querykey FROM orleansquery", connection))
            await using (var reader = await queries.ExecuteReaderAsync(ct))
            {
                var present = new HashSet<string>(StringComparer.Ordinal);
                while (await reader.ReadAsync(ct))
                {
                    present.Add(reader.GetString(0));
                }
                var absent = RequiredQueryKeys.Where(k => !present.Contains(k)).ToList();
                if (absent.Count > 0)
                {
                    throw new InvalidOperationException(
                        $"OrleansQuery in {where} lacks the provider queries {string.Join(", ", absent)}. {HowToApply}");
                }
            }
        }
    }

    // Host, port and database only: never the password.
    private static string Describe(NpgsqlDataSource ds)
    {
        var b = new NpgsqlConnectionStringBuilder(ds.ConnectionString);
        return $"{b.Host}:{b.Port}/{b.Database ?? b.Username}";
    }
}
