using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Tests.Postgres;

/// <summary>deploy/sql applied (and re-applied), deploy/postgres.sh, and the start-up check that guards both.</summary>
public sealed class PostgresSchemaTests
{
    [Fact]
    public async Task EnsureCurrent_AcceptsADatabaseWithTheSchema()
    {
        await using var ds = NpgsqlDataSource.Create(await (await Server()).CreateDatabaseAsync("current"));

        await PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None);
    }

    [Fact]
    public async Task EnsureCurrent_OnAnEmptyDatabase_SaysToApplyTheSchema()
    {
        await using var ds = NpgsqlDataSource.Create(await (await Server()).CreateDatabaseAsync("empty", withSchema: false));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None));

        Assert.Contains("schema is missing", error.Message);
        Assert.Contains("breaker_schema_version", error.Message);
        Assert.Contains("deploy/postgres.sh apply", error.Message);
    }

    [Fact]
    public async Task EnsureCurrent_OnAnOlderSchema_SaysWhichVersionItNeeds()
    {
        await using var ds = NpgsqlDataSource.Create(await (await Server()).CreateDatabaseAsync("older"));
        await ExecuteAsync(ds, "UPDATE breaker_schema_version SET version = 0");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None));

        Assert.Contains("version 0", error.Message);
        Assert.Contains($"needs version {PostgresSchema.ExpectedVersion}", error.Message);
        Assert.Contains("deploy/postgres.sh apply", error.Message);
    }

    [Fact]
    public async Task EnsureCurrent_AcceptsANewerSchema()
    {
        await using var ds = NpgsqlDataSource.Create(await (await Server()).CreateDatabaseAsync("newer"));
        await ExecuteAsync(ds, $"UPDATE breaker_schema_version SET version = {PostgresSchema.ExpectedVersion + 1}");

        await PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None);
    }

    [Fact]
    public async Task EnsureCurrent_WithAMissingProviderQuery_NamesIt()
    {
        await using var ds = NpgsqlDataSource.Create(await (await Server()).CreateDatabaseAsync("noquery"));
        await ExecuteAsync(ds, "DELETE FROM OrleansQuery WHERE QueryKey = 'GatewaysQueryKey'");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None));

        Assert.Contains("GatewaysQueryKey", error.Message);
    }

    [Fact]
    public async Task EnsureCurrent_WhenTheDatabaseDoesNotExist_SaysSo()
    {
        var server = await Server();
        await using var ds = NpgsqlDataSource.Create(server.ConnectionString($"missing_{Guid.NewGuid():N}"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None));

        Assert.Contains("database does not exist", error.Message);
    }

    [Fact]
    public async Task EnsureCurrent_WhenTheServerIsUnreachable_SaysSoAndHowToStartIt()
    {
        var port = FreePort();
        await using var ds = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Database=orleansbreaker;Username=postgres;Timeout=3");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None));

        Assert.Contains($"Cannot connect to PostgreSQL at 127.0.0.1:{port}/orleansbreaker", error.Message);
        Assert.Contains("deploy/postgres.sh start", error.Message);
    }

    [Fact]
    public async Task Schema_AppliedAgain_ChangesNothing_AndNeverLowersTheVersion()
    {
        var server = await Server();
        var connectionString = await server.CreateDatabaseAsync("twice", withSchema: false);
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var ds = NpgsqlDataSource.Create(connectionString);

        await server.ApplySchemaAsync(database);
        var once = await DescribeAsync(ds);
        await server.ApplySchemaAsync(database);
        var twice = await DescribeAsync(ds);
        await ExecuteAsync(ds, "UPDATE breaker_schema_version SET version = 99");
        await server.ApplySchemaAsync(database);

        Assert.Equal(once, twice);
        Assert.Equal(99, await ScalarAsync<int>(ds, "SELECT max(version) FROM breaker_schema_version"));
        Assert.Equal(1L, await ScalarAsync<long>(ds, "SELECT count(*) FROM breaker_schema_version"));
    }

    [Fact]
    public async Task EnsureCurrent_OnADatabaseWithout002_SaysItNeedsTheProspectsVersion()
    {
        var (server, database, ds) = await DatabaseAtVersionAsync("v1", 1);
        await using var _ = ds;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None));

        Assert.Equal(3, PostgresSchema.ExpectedVersion);
        Assert.Contains("at version 1", error.Message);
        Assert.Contains("needs version 3", error.Message);
        await server.ApplySchemaAsync(database);
        await PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None);
    }

    [Fact]
    public async Task EnsureCurrent_OnADatabaseWithout003_SaysItNeedsTheProspectsVersion_AndApplying003Satisfies()
    {
        var (server, database, ds) = await DatabaseAtVersionAsync("v2", 2);
        await using var _ = ds;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None));

        Assert.Contains("at version 2", error.Message);
        Assert.Contains("needs version 3", error.Message);
        await server.ApplySchemaFileAsync(database, PostgresServer.SchemaFiles.Single(f => Path.GetFileName(f) == "003_prospects.sql"));
        Assert.Equal(3, await ScalarAsync<int>(ds, "SELECT max(version) FROM breaker_schema_version"));
        await PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None);
    }

    [Theory]
    [InlineData("004_warmup_reason.sql", 3)]
    [InlineData("005_pool_reason.sql", 4)]
    [InlineData("006_breaker_marks_index.sql", 5)]
    [InlineData("007_claims_index.sql", 6)]
    [InlineData("008_drop_redundant_key_index.sql", 7)]
    public async Task AMigrationWithoutTableChanges_OnTheDatabaseBeforeIt_RaisesTheVersion_KeepsTheSiloRunning_AndAppliedAgainChangesNothing(string fileName, int before)
    {
        var (server, database, ds) = await DatabaseAtVersionAsync($"v{before}", before);
        await using var _ = ds;
        await PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None); // a silo of this build runs on it already
        var file = PostgresServer.SchemaFiles.Single(f => Path.GetFileName(f) == fileName);

        await server.ApplySchemaFileAsync(database, file);
        var once = await DescribeAsync(ds);
        await server.ApplySchemaFileAsync(database, file);

        Assert.Equal(once, await DescribeAsync(ds));
        Assert.Equal(before + 1, await ScalarAsync<int>(ds, "SELECT max(version) FROM breaker_schema_version"));
        await PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None);
    }

    [Fact]
    public async Task Migration003_AppliedAgain_ChangesNothing()
    {
        var (server, database, ds) = await DatabaseAtVersionAsync("again003", 2);
        await using var _ = ds;
        var file = PostgresServer.SchemaFiles.Single(f => Path.GetFileName(f) == "003_prospects.sql");

        await server.ApplySchemaFileAsync(database, file);
        var once = await DescribeAsync(ds);
        await server.ApplySchemaFileAsync(database, file);

        Assert.Equal(once, await DescribeAsync(ds));
        Assert.Contains("CREATE INDEX ix_breaker_prospects_due ON public.breaker_prospects USING btree (workspace_id, campaign_id, wake_at, prospect_id) WHERE (wake_at IS NOT NULL)", once);
        Assert.Contains("CREATE INDEX ix_breaker_campaign_wakes_due ON public.breaker_campaign_wakes USING btree (wake_at)", once);
    }

    /// <summary>The number of the last deploy/sql file, which is the version it leaves.</summary>
    private static int LatestFileVersion => int.Parse(Path.GetFileName(PostgresServer.SchemaFiles[^1])[..3], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task ProspectsNamedView_NamesEveryStatusAndReasonAsTheEnumsDo()
    {
        await using var ds = NpgsqlDataSource.Create(await (await Server()).CreateDatabaseAsync("named"));
        var statuses = Enum.GetValues<ProspectStatus>();
        var reasons = Enum.GetValues<Reason>();
        // One row per status and one per reason, each stored by its code.
        await using (var insert = ds.CreateCommand("""
            INSERT INTO breaker_prospects (workspace_id, campaign_id, prospect_id, status, reason)
            SELECT 'w', 'c', 's' || s, s, 0 FROM unnest(@statuses) AS s
            UNION ALL
            SELECT 'w', 'c', 'r' || r, 0, r FROM unnest(@reasons) AS r
            """))
        {
            insert.Parameters.AddWithValue("statuses", statuses.Select(s => (short)s).ToArray());
            insert.Parameters.AddWithValue("reasons", reasons.Select(r => (short)r).ToArray());
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal(
            string.Join(",", statuses.Select(s => $"s{(short)s}={s}")) + ";" + string.Join(",", reasons.Select(r => $"r{(short)r}={r}")),
            await ScalarAsync<string>(ds, """
                SELECT (SELECT string_agg(prospect_id || '=' || status, ',' ORDER BY substr(prospect_id, 2)::int)
                          FROM breaker_prospects_named WHERE prospect_id LIKE 's%')
                    || ';' ||
                       (SELECT string_agg(prospect_id || '=' || reason, ',' ORDER BY substr(prospect_id, 2)::int)
                          FROM breaker_prospects_named WHERE prospect_id LIKE 'r%')
                """));
    }

    [Fact]
    public async Task Migration002_OnADatabaseHoldingDuplicateKeys_KeepsTheEarliestOfEach_AndMakesKeysUnique()
    {
        var (server, database, ds) = await DatabaseAtVersionAsync("dupes", 1);
        await using var _ = ds;
        // What an earlier build could store: an outcome re-appended from an outbox (twice), an outcome
        // re-appended with another kind, and events without a key, which are never duplicates.
        await ExecuteAsync(ds, """
            INSERT INTO breaker_events (at, kind, workspace_id, account_id, action, key, text) VALUES
                ('2026-03-02T12:00:00Z', 'Sent',    'w', 'a', 'Invite', 'k1', 'first k1'),
                ('2026-03-02T12:00:00Z', 'Sent',    'w', 'a', 'Invite', 'k1', 'again k1'),
                ('2026-03-02T12:01:00Z', 'Unknown', 'w', 'a', 'Invite', 'k2', 'first k2'),
                ('2026-03-02T12:00:00Z', 'Sent',    'w', 'a', 'Invite', 'k1', 'third k1'),
                ('2026-03-02T12:02:00Z', 'Sent',    'w', 'a', 'Invite', 'k2', 'again k2'),
                ('2026-03-02T12:00:00Z', 'Sent',    'w', 'b', 'Invite', 'k1', 'k1 on another account'),
                ('2026-03-02T12:00:00Z', 'Sent',    'v', 'a', 'Invite', 'k1', 'k1 in another workspace'),
                ('2026-03-02T12:03:00Z', 'Skipped', 'w', 'a', 'Invite', NULL, 'no key'),
                ('2026-03-02T12:03:00Z', 'Skipped', 'w', 'a', 'Invite', NULL, 'no key')
            """);

        await server.ApplySchemaAsync(database);
        await server.ApplySchemaAsync(database);

        Assert.Equal(
            "first k1,first k2,k1 on another account,k1 in another workspace,no key,no key",
            await ScalarAsync<string>(ds, "SELECT string_agg(text, ',' ORDER BY seq) FROM breaker_events"));
        // Every file raises the version; the silo needs at least ExpectedVersion (deploy/sql/README.md, "The version rule").
        Assert.Equal(LatestFileVersion, await ScalarAsync<int>(ds, "SELECT max(version) FROM breaker_schema_version"));
        Assert.True(LatestFileVersion >= PostgresSchema.ExpectedVersion);
        await PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None);
        // The database itself now refuses a second row for a key; the log answers with the stored one.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(ds,
            "INSERT INTO breaker_events (at, kind, workspace_id, account_id, key) VALUES (now(), 'Sent', 'w', 'a', 'k1')"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, refused.SqlState);
        var appended = await new PostgresEventLog(ds).AppendAsync(
            [new EventRecord { At = DateTimeOffset.UnixEpoch, Kind = EventKind.Sent, WorkspaceId = "w", AccountId = "a", Action = ActionType.Invite, Key = "k1" }]);
        Assert.Equal("first k1", Assert.Single(appended).Text);
    }

    [Fact]
    public async Task Migration002_AppliedAgain_ChangesNothing()
    {
        var (server, database, ds) = await DatabaseAtVersionAsync("again002", 1);
        await using var _ = ds;
        var file = PostgresServer.SchemaFiles.Single(f => Path.GetFileName(f) == "002_unique_event_keys.sql");

        await server.ApplySchemaFileAsync(database, file);
        var once = await DescribeAsync(ds);
        await server.ApplySchemaFileAsync(database, file);

        Assert.Equal(once, await DescribeAsync(ds));
        Assert.Contains("CREATE UNIQUE INDEX ux_breaker_events_account_key ON public.breaker_events USING btree (workspace_id, account_id, key) WHERE (key IS NOT NULL)", once);
    }

    [Fact]
    public async Task Migration008_DropsTheKeyIndexThatTheUniqueIndexMadeRedundant_And001AppliedAgainDoesNotBuildItAnew()
    {
        var (server, database, ds) = await DatabaseAtVersionAsync("again008", 7);
        await using var _ = ds;
        Assert.Contains("ix_breaker_events_account_key", await DescribeAsync(ds));

        await server.ApplySchemaFileAsync(database, PostgresServer.SchemaFiles.Single(f => Path.GetFileName(f) == "008_drop_redundant_key_index.sql"));
        var dropped = await DescribeAsync(ds);
        await server.ApplySchemaFileAsync(database, PostgresServer.SchemaFiles.Single(f => Path.GetFileName(f) == "001_orleans_schema.sql"));

        Assert.DoesNotContain("ix_breaker_events_account_key", dropped);
        Assert.Contains("CREATE UNIQUE INDEX ux_breaker_events_account_key ON public.breaker_events USING btree (workspace_id, account_id, key) WHERE (key IS NOT NULL)", dropped);
        Assert.Equal(dropped, await DescribeAsync(ds));
        Assert.Equal(8, await ScalarAsync<int>(ds, "SELECT max(version) FROM breaker_schema_version"));
        // The lookup the dropped index served (PostgresEventLog.FindByKeyAsync) is one probe of the unique index.
        await using var connection = await ds.OpenConnectionAsync();
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }
        await using var explain = new NpgsqlCommand(
            "EXPLAIN SELECT seq FROM breaker_events WHERE workspace_id = 'w' AND account_id = 'a' AND key = 'k' ORDER BY seq DESC LIMIT 1", connection);
        var plan = new System.Text.StringBuilder();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.AppendLine(reader.GetString(0));
            }
        }
        Assert.Contains("ux_breaker_events_account_key", plan.ToString());
    }

    [Fact]
    public async Task PostgresScript_StartsAppliesReportsAndStops()
    {
        var data = Path.Combine(Path.GetTempPath(), $"orleansbreaker-script-{Guid.NewGuid():N}");
        var port = FreePort().ToString();
        try
        {
            var started = await ScriptAsync("start", "--data", data, "--port", port);
            var again = await ScriptAsync("start", "--data", data, "--port", port);
            var status = await ScriptAsync("status", "--data", data);
            var connectionString = started.Output.Trim().Split('\n')[^1];
            await using (var ds = NpgsqlDataSource.Create(connectionString))
            {
                await PostgresSchema.EnsureCurrentAsync(ds, CancellationToken.None);
            }
            var stopped = await ScriptAsync("stop", "--data", data);
            var statusAfterStop = await ScriptAsync("status", "--data", data);

            Assert.Equal(0, started.ExitCode);
            Assert.Equal($"Host=127.0.0.1;Port={port};Database=orleansbreaker;Username=postgres", connectionString);
            Assert.Equal(0, again.ExitCode);
            Assert.Contains("is already running", again.Output); // a second start reuses the server of its data folder
            Assert.Contains($"Running on 127.0.0.1:{port}", status.Output);
            Assert.Equal(0, stopped.ExitCode);
            Assert.Equal(3, statusAfterStop.ExitCode);
        }
        finally
        {
            await ScriptAsync("reset", "--data", data);
        }
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task OwnServer_StopsAndStartsAgainOnTheSameDataAndPort()
    {
        await using var server = await PostgresServer.StartNewAsync();
        await using var ds = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("restart"));
        var log = new PostgresEventLog(ds);
        var appended = await log.AppendAsync([new EventRecord { At = DateTimeOffset.UnixEpoch, Kind = EventKind.Sent, WorkspaceId = "w", CampaignId = "c" }]);

        await server.StopAsync();
        ds.Clear();  // pooled connections died with the server
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => log.ReadCampaignAsync("w", "c", new ActivityQuery()));
        await server.StartAsync();
        ds.Clear();
        var page = await log.ReadCampaignAsync("w", "c", new ActivityQuery());

        Assert.Equal(appended, page.Items);
    }

    private static Task<PostgresServer> Server() => PostgresServer.SharedAsync();

    /// <summary>A new database with the files up to <paramref name="version"/> applied: what a database looked like before the next one.</summary>
    private static async Task<(PostgresServer Server, string Database, NpgsqlDataSource DataSource)> DatabaseAtVersionAsync(string prefix, int version)
    {
        var server = await Server();
        var connectionString = await server.CreateDatabaseAsync(prefix, withSchema: false);
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        foreach (var file in PostgresServer.SchemaFiles.Where(f => int.Parse(Path.GetFileName(f)[..3]) <= version))
        {
            await server.ApplySchemaFileAsync(database, file);
        }
        return (server, database, NpgsqlDataSource.Create(connectionString));
    }

    private static async Task<(int ExitCode, string Output)> ScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(PostgresServer.RepoRoot, "deploy", "postgres.sh"));
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    // Tables, columns, indexes, functions and query rows: what applying the schema again must not change.
    private static async Task<string> DescribeAsync(NpgsqlDataSource ds) => await ScalarAsync<string>(ds, """
        SELECT concat_ws(E'\n',
            (SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name)
               FROM information_schema.columns WHERE table_schema = 'public'),
            (SELECT string_agg(indexdef, ',' ORDER BY indexdef) FROM pg_indexes WHERE schemaname = 'public'),
            (SELECT string_agg(p.proname || '=' || md5(p.prosrc), ',' ORDER BY p.proname)
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'),
            (SELECT string_agg(querykey || '=' || md5(querytext), ',' ORDER BY querykey) FROM orleansquery),
            (SELECT string_agg(version::text, ',') FROM breaker_schema_version))
        """);

    private static async Task ExecuteAsync(NpgsqlDataSource ds, string sql)
    {
        await using var command = ds.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource ds, string sql)
    {
        await using var command = ds.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
