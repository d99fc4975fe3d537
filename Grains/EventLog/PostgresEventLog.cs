using System.Data.Common;
using System.Text;
using Npgsql;

namespace OrleansBreaker.EventLog;

/// <summary>
/// The production event log: the <c>breaker_events</c> table of <c>deploy/sql</c>. Meets the same
/// contract tests as <see cref="InMemoryEventLog"/>. Enums are stored by name so that SQL a support
/// engineer writes reads like the Activity tab (<c>WHERE kind = 'Skipped' AND reason = 'CapReached'</c>).
/// </summary>
/// <remarks>
/// PostgreSQL keeps timestamps to the microsecond, so <see cref="AppendAsync"/> returns the events
/// as stored: times in UTC, truncated to whole microseconds, equal to what the readers return later.
/// An event whose outcome key is already stored comes back as the row stored first (IEventLog).
/// </remarks>
public sealed partial class PostgresEventLog(NpgsqlDataSource dataSource) : IEventLog
{
    private const int MaxPageSize = 500;

    private const string SelectColumns =
        "seq, at, kind, workspace_id, campaign_id, account_id, prospect_id, action, reason, text, resume_at, key, source";

    // An outcome's idempotency key is unique per account (deploy/sql/002_unique_event_keys.sql): an
    // outcome appended again (re-sent from an outbox after a lost acknowledgement) is not stored twice.
    // The one row it replaces is the send's claim (ClaimAsync): the outcome resolves it, keeping its seq.
    // A claim replaces nothing (a key held by a claim or an outcome stays held), so claims and outcomes
    // share one statement and one commit (the group commit below).
    private const string OnConflict = """
        ON CONFLICT (workspace_id, account_id, key) WHERE key IS NOT NULL DO UPDATE
            SET at = EXCLUDED.at, kind = EXCLUDED.kind, campaign_id = EXCLUDED.campaign_id, prospect_id = EXCLUDED.prospect_id,
                action = EXCLUDED.action, reason = EXCLUDED.reason, text = EXCLUDED.text, resume_at = EXCLUDED.resume_at,
                source = EXCLUDED.source, recorded_at = now()
            WHERE breaker_events.kind = 'Claimed' AND EXCLUDED.kind <> 'Claimed'
        """;

    // One statement for the whole batch, so it is atomic without an explicit transaction and costs
    // one round trip. ORDER BY ord makes the identity draw seq values in the batch's order; a key appears
    // once per statement (InsertManyAsync keeps the first of two rows with one key). RETURNING names the
    // key of each stored row, which tells the rows stored from those that found their key already there.
    private const string AppendSql = $"""
        INSERT INTO breaker_events
            (at, kind, workspace_id, campaign_id, account_id, prospect_id, action, reason, text, resume_at, key, source)
        SELECT e.at, e.kind, e.workspace_id, e.campaign_id, e.account_id, e.prospect_id, e.action, e.reason,
               e.text, e.resume_at, e.key, e.source
        FROM unnest(@at, @kind, @workspace_id, @campaign_id, @account_id, @prospect_id, @action, @reason,
                    @text, @resume_at, @key, @source)
             WITH ORDINALITY AS e(at, kind, workspace_id, campaign_id, account_id, prospect_id, action, reason,
                                  text, resume_at, key, source, ord)
        ORDER BY e.ord
        {OnConflict}
        RETURNING seq, workspace_id, account_id, key
        """;

    // A dispatch appends one event: the plain form of the statement above costs a third of the
    // unnest form to plan and execute (docs/benchmarks.md, finding D).
    private const string AppendOneSql = $"""
        INSERT INTO breaker_events
            (at, kind, workspace_id, campaign_id, account_id, prospect_id, action, reason, text, resume_at, key, source)
        VALUES (@at, @kind, @workspace_id, @campaign_id, @account_id, @prospect_id, @action, @reason, @text, @resume_at, @key, @source)
        {OnConflict}
        RETURNING seq
        """;

    // The rows already stored under the keys an append found taken. A statement of its own, after the
    // insert committed: a row committed by a concurrent append is invisible to the insert's snapshot.
    private const string StoredByKeySql = $"""
        SELECT {SelectColumns} FROM breaker_events
        WHERE key IS NOT NULL
          AND (workspace_id, account_id, key) IN (SELECT * FROM unnest(@workspace_id, @account_id, @key))
        """;

    /// <summary>Appends written at the same time, each carrying every append queued when it started.</summary>
    private const int MaxConcurrentFlushes = 4;
    /// <summary>Bounds one statement's arrays when a herd (a reset, a burst) queues thousands at once.</summary>
    private const int MaxAppendsPerStatement = 256;

    private readonly NpgsqlDataSource _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
    private readonly Lock _gate = new();
    private List<PendingAppend> _queue = [];
    private int _flushing;

    public async Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }

        var stored = new EventRecord[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new ArgumentException("The batch contains a null event.", nameof(events));
            stored[i] = e with { At = AsStored(e.At), ResumeAt = e.ResumeAt is { } resume ? AsStored(resume) : null };
        }
        cancellationToken.ThrowIfCancellationRequested();

        var written = await EnqueueAsync(stored, cancellationToken);
        for (var i = 0; i < stored.Length; i++)
        {
            stored[i] = written[i].Row ?? throw new InvalidOperationException(
                $"Appended an event with key '{stored[i].Key}' that was neither stored nor found stored.");
        }
        return stored;
    }

    /// <summary>Queues <paramref name="rows"/> for the group commit; returns each row's fate, in row order.</summary>
    private async Task<Written[]> EnqueueAsync(EventRecord[] rows, CancellationToken cancellationToken)
    {
        var append = new PendingAppend(rows);
        bool flush;
        lock (_gate)
        {
            _queue.Add(append);
            flush = _flushing < MaxConcurrentFlushes;
            if (flush)
            {
                _flushing++;
            }
        }
        if (flush)
        {
            // On the thread pool, on purpose: the loop outlives this caller's append and serves other
            // accounts' appends, so it must not run on (or keep alive) the calling grain's scheduler.
            // The caller awaits its own completion source below, back on its own scheduler.
            _ = Task.Run(FlushAsync, CancellationToken.None);
        }
        // Once queued, the events are written whether or not this caller still waits for them.
        return await append.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Group commit: every append queued while earlier ones were being written goes to PostgreSQL in
    /// one statement and one commit, so under load a dispatch shares its commit with others; an append
    /// that finds no write in flight is written at once, so nothing waits for a timer. Each caller's
    /// events stay contiguous and in order, and each caller's append is atomic on its own.
    /// </summary>
    /// <remarks>
    /// Why not Npgsql's own batching. Multiplexing pipelines the commands of many callers over a few
    /// connections, but each command is still its own transaction and commit; <c>NpgsqlBatch</c> sends
    /// many statements in one round trip, but they share one implicit transaction (one bad append fails
    /// them all, as here) and each is planned and executed apart. Measured with 64 concurrent
    /// single-event appends on a durable PostgreSQL (2 loaded cores, two rounds): this queue 5,000-5,500
    /// appends/s on at most 4 connections; one INSERT per append 3,000-3,400/s on 64 connections; with
    /// Multiplexing 1,000-1,900/s on 4 connections, 2,400-3,300/s on 64. One round trip of 64 rows:
    /// this unnest statement 4.9 ms, an NpgsqlBatch of 64 INSERTs 7.1 ms (4 rows: 1.0 against 1.2 ms).
    /// </remarks>
    private async Task FlushAsync()
    {
        while (true)
        {
            List<PendingAppend> batch;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _flushing--;
                    return;
                }
                if (_queue.Count <= MaxAppendsPerStatement)
                {
                    batch = _queue;
                    _queue = [];
                }
                else
                {
                    batch = _queue.GetRange(0, MaxAppendsPerStatement);
                    _queue.RemoveRange(0, MaxAppendsPerStatement);
                }
            }
            try
            {
                await WriteBatchAsync(batch);
            }
            catch (Exception ex)
            {
                Fail(batch, ex);
            }
            finally
            {
                // Total by construction: whatever was thrown, or not thrown, no caller of this batch is
                // left waiting (its grain would hang inside its turn). Normally finds nothing to do.
                if (batch.Exists(a => !a.Done.Task.IsCompleted))
                {
                    Fail(batch, new InvalidOperationException("The event log's group commit ended without completing this append."));
                }
            }
        }
    }

    /// <summary>
    /// Writes the batch in one statement. If the server refused it with an error that ended only the
    /// statement (severity ERROR), nothing of it was stored: one append's bad event must not fail the
    /// others it shared the statement with, so each is retried alone and succeeds or fails on its own
    /// events. Anything else (a lost or terminated connection, a timeout, an exhausted pool, a fault of
    /// ours) fails every append of the batch: the statement may have committed, so a retry here could
    /// store it twice; the callers keep the events in their outboxes and append them again.
    /// </summary>
    private async Task WriteBatchAsync(List<PendingAppend> batch)
    {
        try
        {
            await WriteAsync(batch);
        }
        catch (PostgresException ex) when (batch.Count > 1 && ex.InvariantSeverity == "ERROR")
        {
            foreach (var append in batch)
            {
                try
                {
                    await WriteAsync([append]);
                }
                catch (Exception one)
                {
                    append.Done.TrySetException(one);
                }
            }
        }
    }

    private static void Fail(List<PendingAppend> batch, Exception ex)
    {
        foreach (var append in batch)
        {
            append.Done.TrySetException(ex);
        }
    }

    private async Task WriteAsync(List<PendingAppend> batch)
    {
        var rows = batch.Count == 1 ? batch[0].Events : [.. batch.SelectMany(a => a.Events)];
        var written = await InsertAsync(rows);
        if (batch.Count == 1)
        {
            batch[0].Done.TrySetResult(written);
            return;
        }
        var next = 0;
        foreach (var append in batch)
        {
            append.Done.TrySetResult(written.AsSpan(next, append.Events.Length).ToArray());
            next += append.Events.Length;
        }
    }

    /// <summary>
    /// What became of one row of a statement: <see cref="Row"/> is the row stored under its key (or the row
    /// itself, as stored), null when the key was taken and then freed before it could be read (a claim
    /// released meanwhile); <see cref="Inserted"/> tells whether this row is the one stored.
    /// </summary>
    private readonly record struct Written(EventRecord? Row, bool Inserted);

    /// <summary>
    /// Inserts <paramref name="rows"/> in one statement; returns them as stored, in row order: a row
    /// whose key the log already held (or an earlier row of the same statement held) is the stored row.
    /// </summary>
    private async Task<Written[]> InsertAsync(EventRecord[] rows)
    {
        var stored = new EventRecord?[rows.Length];
        var inserted = new bool[rows.Length];
        if (rows.Length == 1)
        {
            await using var single = _dataSource.CreateCommand(AppendOneSql);
            AddColumns(single.Parameters, rows[0]);
            if (await single.ExecuteScalarAsync() is long seq)
            {
                return [new Written(rows[0] with { Seq = seq }, Inserted: true)];
            }
        }
        else
        {
            await InsertManyAsync(rows, stored, inserted);
        }
        if (Array.IndexOf(stored, null) >= 0)
        {
            try
            {
                await ReadStoredByKeyAsync(rows, stored);
            }
            catch (PostgresException ex)
            {
                // Not a refusal of the insert, which has committed: it must not be retried row by row.
                throw new InvalidOperationException("The events were appended, but reading back those whose key was already stored failed.", ex);
            }
        }
        return [.. stored.Select((e, i) => new Written(e, inserted[i]))];
    }

    /// <summary>Fills <paramref name="stored"/> with the rows the unnest statement stored; leaves the others null.</summary>
    private async Task InsertManyAsync(EventRecord[] rows, EventRecord?[] stored, bool[] inserted)
    {
        // A key goes into the statement once: the first row with it. The later ones are answered as it is.
        var firstOfKey = new Dictionary<(string, string, string), int>();
        var sent = new List<int>(rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            if (KeyOf(rows[i]) is not { } key || firstOfKey.TryAdd(key, i))
            {
                sent.Add(i);
            }
        }
        await using var command = _dataSource.CreateCommand(AppendSql);
        var p = command.Parameters;
        p.AddWithValue("at", sent.Select(i => rows[i].At).ToArray());
        p.AddWithValue("kind", sent.Select(i => rows[i].Kind.ToString()).ToArray());
        p.AddWithValue("workspace_id", sent.Select(i => rows[i].WorkspaceId).ToArray());
        p.AddWithValue("campaign_id", sent.Select(i => rows[i].CampaignId).ToArray());
        p.AddWithValue("account_id", sent.Select(i => rows[i].AccountId).ToArray());
        p.AddWithValue("prospect_id", sent.Select(i => rows[i].ProspectId).ToArray());
        p.AddWithValue("action", sent.Select(i => rows[i].Action?.ToString()).ToArray());
        p.AddWithValue("reason", sent.Select(i => rows[i].Reason.ToString()).ToArray());
        p.AddWithValue("text", sent.Select(i => rows[i].Text).ToArray());
        p.AddWithValue("resume_at", sent.Select(i => rows[i].ResumeAt).ToArray());
        p.AddWithValue("key", sent.Select(i => rows[i].Key).ToArray());
        p.AddWithValue("source", sent.Select(i => rows[i].Source).ToArray());

        var unkeyedSeqs = new List<long>(sent.Count);
        var keyed = new Dictionary<(string, string, string), long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var seq = reader.GetInt64(0);
                if (!reader.IsDBNull(2) && !reader.IsDBNull(3))
                {
                    keyed[(reader.GetString(1), reader.GetString(2), reader.GetString(3))] = seq;
                }
                else
                {
                    unkeyedSeqs.Add(seq);
                }
            }
        }

        // A keyed row was stored (inserted, or resolving its claim) when the statement returned its key;
        // the others found it taken. Rows without a key were all inserted, their seqs drawn in row order.
        var unkeyed = sent.Where(i => KeyOf(rows[i]) is null).ToList();
        if (unkeyed.Count != unkeyedSeqs.Count)
        {
            throw new InvalidOperationException($"Inserted {unkeyed.Count} events without a key but PostgreSQL returned {unkeyedSeqs.Count} sequence numbers for them.");
        }
        // RETURNING's row order is not promised, so sort.
        unkeyedSeqs.Sort();
        for (var n = 0; n < unkeyed.Count; n++)
        {
            stored[unkeyed[n]] = rows[unkeyed[n]] with { Seq = unkeyedSeqs[n] };
            inserted[unkeyed[n]] = true;
        }
        for (var i = 0; i < rows.Length; i++)
        {
            if (KeyOf(rows[i]) is { } key && firstOfKey[key] is var first && keyed.TryGetValue(key, out var seq))
            {
                stored[i] = rows[first] with { Seq = seq };
                inserted[i] = i == first;
            }
        }
    }

    /// <summary>Fills the null entries of <paramref name="stored"/> with the rows already stored under their keys.</summary>
    private async Task ReadStoredByKeyAsync(EventRecord[] rows, EventRecord?[] stored)
    {
        var missing = Enumerable.Range(0, rows.Length).Where(i => stored[i] is null).ToList();
        await using var command = _dataSource.CreateCommand(StoredByKeySql);
        command.Parameters.AddWithValue("workspace_id", missing.Select(i => rows[i].WorkspaceId).ToArray());
        command.Parameters.AddWithValue("account_id", missing.Select(i => rows[i].AccountId).ToArray());
        command.Parameters.AddWithValue("key", missing.Select(i => rows[i].Key).ToArray());
        var found = (await ReadEventsAsync(command, CancellationToken.None)).ToDictionary(e => KeyOf(e)!.Value);
        foreach (var i in missing)
        {
            if (KeyOf(rows[i]) is { } key && found.TryGetValue(key, out var existing))
            {
                stored[i] = existing;
            }
        }
    }

    /// <summary>The unique key of an event, if it has one: only outcomes of an account carry a key.</summary>
    private static (string, string, string)? KeyOf(EventRecord e) =>
        e.AccountId is not null && e.Key is not null ? (e.WorkspaceId, e.AccountId, e.Key) : null;

    private sealed class PendingAppend(EventRecord[] events)
    {
        public EventRecord[] Events { get; } = events;
        public TaskCompletionSource<Written[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task<EventPage> ReadCampaignAsync(string workspaceId, string campaignId, ActivityQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(campaignId);
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, MaxPageSize);

        await using var command = _dataSource.CreateCommand();
        // A send's claim is not activity: its outcome, which replaces it, is.
        var sql = new StringBuilder($"SELECT {SelectColumns} FROM breaker_events WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id AND kind <> 'Claimed'");
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("campaign_id", campaignId);
        // Only the filters asked for go into the SQL, so the plan is always a walk down the
        // (workspace_id, campaign_id, seq DESC) index.
        if (query.Kind is { } kind)
        {
            sql.Append(" AND kind = @kind");
            command.Parameters.AddWithValue("kind", kind.ToString());
        }
        if (query.Reason is { } reason)
        {
            sql.Append(" AND reason = @reason");
            command.Parameters.AddWithValue("reason", reason.ToString());
        }
        if (query.Before is { } before)
        {
            sql.Append(" AND seq < @before");
            command.Parameters.AddWithValue("before", before);
        }
        // One more than the page tells whether there is a next page.
        sql.Append(" ORDER BY seq DESC LIMIT @take");
        command.Parameters.AddWithValue("take", limit + 1);
        command.CommandText = sql.ToString();

        var rows = await ReadEventsAsync(command, cancellationToken);
        var next = rows.Count > limit ? rows[limit - 1].Seq : (long?)null;
        if (rows.Count > limit)
        {
            rows.RemoveRange(limit, rows.Count - limit);
        }
        return new EventPage(rows, next);
    }

    public async Task<EventRecord?> FindSuccessSinceAsync(string workspaceId, string accountId, ActionType action, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(accountId);
        // kind = 'Sent' is a literal, not a parameter, so the planner can match the partial index.
        await using var command = _dataSource.CreateCommand($"""
            SELECT {SelectColumns} FROM breaker_events
            WHERE workspace_id = @workspace_id AND account_id = @account_id AND action = @action
              AND kind = 'Sent' AND at >= @since
            ORDER BY at, seq
            LIMIT 1
            """);
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("account_id", accountId);
        command.Parameters.AddWithValue("action", action.ToString());
        command.Parameters.AddWithValue("since", since.ToUniversalTime());
        var rows = await ReadEventsAsync(command, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<DeliveredAction>> ReadDeliveredSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(accountId);
        await using var command = _dataSource.CreateCommand("""
            SELECT action, at FROM breaker_events
            WHERE workspace_id = @workspace_id AND account_id = @account_id
              AND kind = 'Sent' AND action IS NOT NULL AND at >= @since
            ORDER BY seq
            """);
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("account_id", accountId);
        command.Parameters.AddWithValue("since", since.ToUniversalTime());

        var delivered = new List<DeliveredAction>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            delivered.Add(new DeliveredAction(ParseName<ActionType>(reader.GetString(0), "action"), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return delivered;
    }

    public async Task<IReadOnlyList<BreakerMark>> ReadBreakerMarksSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(accountId);
        // ix_breaker_events_account_breaker (006); without it, correct but reading the account's window.
        await using var command = _dataSource.CreateCommand("""
            SELECT at, action, kind FROM breaker_events
            WHERE workspace_id = @workspace_id AND account_id = @account_id
              AND kind IN ('BreakerTripped', 'BreakerCleared') AND action IS NOT NULL AND at >= @since
            ORDER BY at, seq
            """);
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("account_id", accountId);
        command.Parameters.AddWithValue("since", since.ToUniversalTime());

        var marks = new List<BreakerMark>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            marks.Add(new BreakerMark(reader.GetFieldValue<DateTimeOffset>(0), ParseName<ActionType>(reader.GetString(1), "action"),
                ParseName<EventKind>(reader.GetString(2), "kind") == EventKind.BreakerTripped));
        }
        return marks;
    }

    public async Task<IReadOnlyList<DaySentCount>> CountCampaignSentAsync(string workspaceId, string campaignId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(campaignId);
        await using var command = _dataSource.CreateCommand("""
            SELECT (at AT TIME ZONE 'UTC')::date, account_id, count(*)::int FROM breaker_events
            WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
              AND kind = 'Sent' AND account_id IS NOT NULL AND at >= @since
            GROUP BY 1, 2
            """);
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("campaign_id", campaignId);
        command.Parameters.AddWithValue("since", since.ToUniversalTime());

        var counts = new List<DaySentCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new DaySentCount(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetInt32(2)));
        }
        return counts;
    }

    public async Task<EventRecord?> FindByKeyAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(accountId);
        ArgumentNullException.ThrowIfNull(key);
        await using var command = _dataSource.CreateCommand($"""
            SELECT {SelectColumns} FROM breaker_events
            WHERE workspace_id = @workspace_id AND account_id = @account_id AND key = @key
            ORDER BY seq DESC
            LIMIT 1
            """);
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("account_id", accountId);
        command.Parameters.AddWithValue("key", key);
        var rows = await ReadEventsAsync(command, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<EventRecord?> FindLatestSentToProspectAsync(string workspaceId, string accountId, string prospectId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(accountId);
        ArgumentNullException.ThrowIfNull(prospectId);
        // kind = 'Sent' is a literal so that the planner can match the partial index ix_breaker_events_account_prospect.
        await using var command = _dataSource.CreateCommand($"""
            SELECT {SelectColumns} FROM breaker_events
            WHERE workspace_id = @workspace_id AND account_id = @account_id AND prospect_id = @prospect_id
              AND kind = 'Sent' AND campaign_id IS NOT NULL
            ORDER BY seq DESC
            LIMIT 1
            """);
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("account_id", accountId);
        command.Parameters.AddWithValue("prospect_id", prospectId);
        var rows = await ReadEventsAsync(command, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    // Typed parameters: a null must still say its column's type, or PostgreSQL cannot plan the insert.
    private static void AddColumns(NpgsqlParameterCollection p, EventRecord e)
    {
        p.Add(new NpgsqlParameter<DateTimeOffset>("at", e.At));
        p.Add(new NpgsqlParameter<string>("kind", e.Kind.ToString()));
        p.Add(new NpgsqlParameter<string>("workspace_id", e.WorkspaceId));
        p.Add(Text("campaign_id", e.CampaignId));
        p.Add(Text("account_id", e.AccountId));
        p.Add(Text("prospect_id", e.ProspectId));
        p.Add(Text("action", e.Action?.ToString()));
        p.Add(new NpgsqlParameter<string>("reason", e.Reason.ToString()));
        p.Add(Text("text", e.Text));
        p.Add(new NpgsqlParameter("resume_at", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = e.ResumeAt is { } r ? r : DBNull.Value });
        p.Add(Text("key", e.Key));
        p.Add(Text("source", e.Source));
    }

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlTypes.NpgsqlDbType.Text) { Value = value is null ? DBNull.Value : value };

    private static async Task<List<EventRecord>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<EventRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(ReadEvent(reader));
        }
        return events;
    }

    // Columns in the order of SelectColumns.
    private static EventRecord ReadEvent(DbDataReader r) => new()
    {
        Seq = r.GetInt64(0),
        At = r.GetFieldValue<DateTimeOffset>(1),
        Kind = ParseName<EventKind>(r.GetString(2), "kind"),
        WorkspaceId = r.GetString(3),
        CampaignId = NullableString(r, 4),
        AccountId = NullableString(r, 5),
        ProspectId = NullableString(r, 6),
        Action = r.IsDBNull(7) ? null : ParseName<ActionType>(r.GetString(7), "action"),
        Reason = ParseName<Reason>(r.GetString(8), "reason"),
        Text = NullableString(r, 9),
        ResumeAt = r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10),
        Key = NullableString(r, 11),
        Source = NullableString(r, 12),
    };

    private static string? NullableString(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static TEnum ParseName<TEnum>(string name, string column) where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(name, ignoreCase: false, out var value) && Enum.IsDefined(value)
            ? value
            : throw new InvalidOperationException($"breaker_events.{column} holds '{name}', which is not a {typeof(TEnum).Name} this build knows.");

    // timestamptz holds microseconds in UTC; Npgsql refuses non-UTC offsets.
    private static DateTimeOffset AsStored(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }
}
