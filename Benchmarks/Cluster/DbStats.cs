using System.Text;
using Npgsql;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Database load of a phase: transactions and rows from <c>pg_stat_database</c>, and statements by
/// text from <c>pg_stat_statements</c> when the server preloads it. The harness's own statements
/// carry <see cref="Marker"/> and are left out.
/// </summary>
internal sealed class DbStats(NpgsqlDataSource dataSource, TimeSpan settle)
{
    public const string Marker = "/* bench-harness */";

    public bool HasStatements { get; private set; }

    public async Task InitAsync()
    {
        try
        {
            await using (var create = dataSource.CreateCommand($"{Marker} CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            {
                await create.ExecuteNonQueryAsync();
            }
            await using var probe = dataSource.CreateCommand($"{Marker} SELECT count(*) FROM pg_stat_statements");
            await probe.ExecuteScalarAsync();
            HasStatements = true;
        }
        catch (PostgresException)
        {
            HasStatements = false; // not preloaded (e.g. an existing server): transactions and rows only
        }
    }

    /// <summary>
    /// A checkpoint now, so that the window that follows starts where its baseline's did: the first change of
    /// each page after a checkpoint logs the whole page, and a window that caught one by chance paid for it (figure 8
    /// read 0.43 of 8a with one in its window, 0.33 full-page images per delivery). False when the server refuses
    /// (a user without the right on an existing server).
    /// </summary>
    public async Task<bool> CheckpointAsync()
    {
        try
        {
            await using var checkpoint = dataSource.CreateCommand($"{Marker} CHECKPOINT");
            await checkpoint.ExecuteNonQueryAsync();
            return true;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the counters. <paramref name="flush"/> closes idle pooled connections first: a backend
    /// reports its counters to <c>pg_stat_database</c> at most once a second while it lives, and at exit.
    /// </summary>
    public async Task<Snapshot> TakeAsync(Action flush)
    {
        flush();
        await Task.Delay(settle);
        Snapshot snapshot;
        await using (var db = dataSource.CreateCommand($"""
            {Marker} SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned + tup_fetched
            FROM pg_stat_database WHERE datname = current_database()
            """))
        await using (var reader = await db.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            snapshot = new Snapshot(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), new Dictionary<string, Statement>());
        }
        // The server's background work, which a window may or may not catch: a checkpoint (after it, the first
        // change of each page logs the whole page) and autovacuum, whose CPU counts as PostgreSQL's.
        await using (var bg = dataSource.CreateCommand($"""
            {Marker} SELECT (SELECT wal_bytes::bigint FROM pg_stat_wal), (SELECT wal_fpi FROM pg_stat_wal),
                   (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter),
                   (SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0)::bigint FROM pg_stat_user_tables)
            """))
        {
            try
            {
                await using var reader = await bg.ExecuteReaderAsync();
                await reader.ReadAsync();
                snapshot = snapshot with { Background = new(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)) };
            }
            catch (PostgresException)
            {
                // an existing server that does not show these to the harness's user: zeros
            }
        }
        if (!HasStatements)
        {
            return snapshot;
        }
        var statements = new Dictionary<string, Statement>(StringComparer.Ordinal);
        await using (var st = dataSource.CreateCommand($"""
            {Marker} SELECT query, sum(calls)::bigint, sum(rows)::bigint, sum(total_exec_time), sum(total_plan_time)
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%bench-harness%'
            GROUP BY query
            """))
        await using (var reader = await st.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var text = Shorten(reader.GetString(0));
                var s = new Statement(text, reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetDouble(4));
                statements[text] = statements.TryGetValue(text, out var same)
                    ? same with { Calls = same.Calls + s.Calls, Rows = same.Rows + s.Rows, Ms = same.Ms + s.Ms, PlanMs = same.PlanMs + s.PlanMs }
                    : s;
            }
        }
        return snapshot with { Statements = statements };
    }

    /// <summary>"INSERT INTO breaker_events ..." style: the first words that say what a statement does.</summary>
    private static string Shorten(string query)
    {
        var flat = string.Join(' ', query.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 90 ? flat[..90] + "…" : flat;
    }

    public sealed record Statement(string Text, long Calls, long Rows, double Ms, double PlanMs);

    /// <summary>Server-wide: WAL bytes and full-page images (<c>pg_stat_wal</c>), checkpoints, and autovacuum and autoanalyze runs of this database's tables.</summary>
    public sealed record BackgroundWork(long WalBytes, long FullPageImages, long Checkpoints, long AutoVacuums)
    {
        public BackgroundWork Minus(BackgroundWork b) => new(WalBytes - b.WalBytes, FullPageImages - b.FullPageImages, Checkpoints - b.Checkpoints, AutoVacuums - b.AutoVacuums);
    }

    public sealed record Snapshot(long Commits, long Rollbacks, long Inserted, long Updated, long Deleted, long Read, IReadOnlyDictionary<string, Statement> Statements)
    {
        public BackgroundWork Background { get; init; } = new(0, 0, 0, 0);

        public Snapshot Minus(Snapshot before) => new(
            Commits - before.Commits, Rollbacks - before.Rollbacks, Inserted - before.Inserted, Updated - before.Updated, Deleted - before.Deleted, Read - before.Read,
            Statements.Select(s => before.Statements.TryGetValue(s.Key, out var b) ? s.Value with { Calls = s.Value.Calls - b.Calls, Rows = s.Value.Rows - b.Rows, Ms = s.Value.Ms - b.Ms, PlanMs = s.Value.PlanMs - b.PlanMs } : s.Value)
                .Where(s => s.Calls > 0).ToDictionary(s => s.Text, StringComparer.Ordinal))
        {
            Background = Background.Minus(before.Background),
        };

        public long StatementCalls => Statements.Values.Sum(s => s.Calls);

        /// <summary>Markdown: totals per operation, then the statements (most called first).</summary>
        public string Describe(long operations, string unit, bool statementsAvailable)
        {
            double Per(long v) => operations > 0 ? v / (double)operations : 0;
            var md = new StringBuilder();
            md.AppendLine($"- Commits {Commits:#,0} ({Per(Commits):0.00} per {unit}), rollbacks {Rollbacks:#,0}; rows inserted {Inserted:#,0} ({Per(Inserted):0.00}), " +
                $"updated {Updated:#,0} ({Per(Updated):0.00}), deleted {Deleted:#,0} ({Per(Deleted):0.00}), read {Read:#,0} ({Per(Read):0.0}) — " +
                $"`pg_stat_database`, after closing idle pooled connections so every backend has reported (includes Orleans' own background statements).");
            var bg = Background;
            md.AppendLine($"- Server background: WAL {bg.WalBytes / 1024.0 / 1024.0:#,0.0} MB ({Per(bg.WalBytes):#,0} B per {unit}), " +
                $"{bg.FullPageImages:#,0} full-page images ({Per(bg.FullPageImages):0.00} per {unit}), {bg.Checkpoints} checkpoints, {bg.AutoVacuums} autovacuum/autoanalyze runs " +
                "(`pg_stat_wal`, `pg_stat_bgwriter`, `pg_stat_user_tables`: a window that catches a checkpoint or a vacuum of the log costs more per operation).");
            if (!statementsAvailable)
            {
                md.AppendLine("- Statements by text: `pg_stat_statements` is not loaded on this server.");
                return md.ToString();
            }
            md.AppendLine($"- Statements (`pg_stat_statements`): {StatementCalls:#,0} ({Per(StatementCalls):0.00} per {unit}):").AppendLine();
            md.AppendLine($"  | calls | per {unit} | rows | execute µs per call | plan µs per call | statement |");
            md.AppendLine("  |---|---|---|---|---|---|");
            foreach (var s in Statements.Values.OrderByDescending(s => s.Calls).Take(12))
            {
                md.AppendLine($"  | {s.Calls:#,0} | {Per(s.Calls):0.00} | {s.Rows:#,0} | {s.Ms * 1000 / s.Calls:#,0} | {s.PlanMs * 1000 / s.Calls:#,0} | " +
                    $"`{s.Text.Replace("|", "\\|", StringComparison.Ordinal)}` |");
            }
            return md.ToString();
        }
    }
}
