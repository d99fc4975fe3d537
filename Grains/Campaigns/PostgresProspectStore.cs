using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace OrleansBreaker.Campaigns;

/// <summary>
/// The production prospect store: <c>breaker_prospects</c> and <c>breaker_campaign_wakes</c> of
/// <c>deploy/sql/003_prospects.sql</c>, over the process's one <see cref="NpgsqlDataSource"/>. Meets the
/// same contract tests as <see cref="InMemoryProspectStore"/>.
/// </summary>
/// <remarks>
/// Every method is one statement: atomic without an explicit transaction, one round trip, and no
/// connection held between statements (the pool is shared with the event log; issue 11 counts it).
/// Each statement reads through an index of 003: the due index, the resume index, the status-reason
/// index or the primary key, never the whole table (Tests/Campaigns/PostgresProspectStoreScaleTests).
/// Values the partial indexes are defined on (status 1, reason codes) go into the SQL as literals, not
/// parameters: a generic plan of an auto-prepared statement cannot prove a partial index's predicate
/// from a parameter, and would fall back to a wider read.
/// The commands of the readers that must stay index reads are built by internal methods, so that the
/// scale test explains exactly the statements the store runs.
/// PostgreSQL keeps timestamps to the microsecond in UTC, so a time comes back truncated to whole
/// microseconds, with offset zero.
/// </remarks>
public sealed partial class PostgresProspectStore(NpgsqlDataSource dataSource) : IProspectStore
{
    private const string Columns =
        "prospect_id, profile_url, step, status, reason, resume_at, wake_at, attempts, skipped_trip, skipped_step, accepted, replied, account_id, version";

    // The first of repeated ids is kept in C# before the insert, so the statement never meets one id twice.
    // RETURNING names the ids inserted; those already stored are left exactly as they are.
    private const string AddSql = """
        INSERT INTO breaker_prospects AS p
            (workspace_id, campaign_id, prospect_id, profile_url, step, status, reason, resume_at, wake_at,
             attempts, skipped_trip, skipped_step, accepted, replied, account_id, version)
        SELECT @workspace_id, @campaign_id, u.prospect_id, u.profile_url, u.step, u.status, u.reason, u.resume_at,
               u.wake_at, u.attempts, u.skipped_trip, u.skipped_step, u.accepted, u.replied, u.account_id, u.version
        FROM unnest(@prospect_id, @profile_url, @step, @status, @reason, @resume_at, @wake_at, @attempts,
                    @skipped_trip, @skipped_step, @accepted, @replied, @account_id, @version)
             AS u(prospect_id, profile_url, step, status, reason, resume_at, wake_at, attempts,
                  skipped_trip, skipped_step, accepted, replied, account_id, version)
        ON CONFLICT (workspace_id, campaign_id, prospect_id) DO NOTHING
        RETURNING p.prospect_id
        """;

    // Compare-and-set per row: a row is written only over the version before it. Under READ COMMITTED a
    // concurrent writer of the same row waits for the first to commit, then re-checks the version on the
    // row as committed, finds it moved, and writes nothing: exactly one of two writers wins.
    private const string UpdateSql = """
        UPDATE breaker_prospects AS p
        SET profile_url = u.profile_url, step = u.step, status = u.status, reason = u.reason,
            resume_at = u.resume_at, wake_at = u.wake_at, attempts = u.attempts, skipped_trip = u.skipped_trip,
            skipped_step = u.skipped_step, accepted = u.accepted, replied = u.replied, account_id = u.account_id,
            version = u.version
        FROM unnest(@prospect_id, @profile_url, @step, @status, @reason, @resume_at, @wake_at, @attempts,
                    @skipped_trip, @skipped_step, @accepted, @replied, @account_id, @version)
             AS u(prospect_id, profile_url, step, status, reason, resume_at, wake_at, attempts,
                  skipped_trip, skipped_step, accepted, replied, account_id, version)
        WHERE p.workspace_id = @workspace_id AND p.campaign_id = @campaign_id
          AND p.prospect_id = u.prospect_id AND p.version = u.version - 1
        RETURNING p.prospect_id
        """;

    // The same compare-and-set for one row, the usual case (a paced run sends one prospect). Apart from
    // the arrays' `unnest`, PostgreSQL plans a prepared statement once (a generic plan); with them it
    // re-plans on every call (the planner sizes a custom plan by the arrays' real length, cheaper than
    // the generic plan's guess of 100 rows), which measured 209-282 µs of planning per call, a quarter of
    // the statement's cost (docs/benchmarks.md, figure 11).
    private const string UpdateOneSql = """
        UPDATE breaker_prospects
        SET profile_url = @profile_url, step = @step, status = @status, reason = @reason,
            resume_at = @resume_at, wake_at = @wake_at, attempts = @attempts, skipped_trip = @skipped_trip,
            skipped_step = @skipped_step, accepted = @accepted, replied = @replied, account_id = @account_id,
            version = @version
        WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
          AND prospect_id = @prospect_id AND version = @version - 1
        RETURNING prospect_id
        """;

    private const string GetSql = $"""
        SELECT {Columns} FROM breaker_prospects
        WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id AND prospect_id = @prospect_id
        """;

    // ix_breaker_prospects_due, read in order from its start: at most `limit` entries.
    private const string ReadDueSql = $"""
        SELECT {Columns} FROM breaker_prospects
        WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
          AND wake_at IS NOT NULL AND wake_at <= @now
        ORDER BY wake_at, prospect_id
        LIMIT @limit
        """;

    // The same walk of the due index, passing over prospects bound to accounts that cannot send yet.
    private const string ReadDueSkippingSql = $"""
        SELECT {Columns} FROM breaker_prospects
        WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
          AND wake_at IS NOT NULL AND wake_at <= @now
          AND (account_id IS NULL OR account_id <> ALL (@skip))
        ORDER BY wake_at, prospect_id
        LIMIT @limit
        """;

    // The due index's first entry.
    private const string NextWakeSql = """
        SELECT wake_at FROM breaker_prospects
        WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id AND wake_at IS NOT NULL
        ORDER BY wake_at
        LIMIT 1
        """;

    // Reads every row of the campaign: for the dashboard, which the campaign serves from a 5 s cache.
    private const string CountBySeatSql = """
        SELECT account_id, status, reason, count(*)::int FROM breaker_prospects
        WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
        GROUP BY account_id, status, reason
        """;

    // Not an index seek: it reads every row of the campaign (an index-only read of the status-reason
    // index at best). The grain maintains its counters and calls this only to rebuild them.
    private const string CountSql = """
        SELECT step, status, count(*)::int FROM breaker_prospects
        WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
        GROUP BY step, status
        """;

    // One seek of ix_breaker_prospects_resume per step (status 1 = Waiting), not a read of every waiting row.
    private const string EarliestResumeSql = """
        SELECT s.step, r.resume_at
        FROM generate_series(0, @step_count - 1) AS s(step)
        CROSS JOIN LATERAL (
            SELECT resume_at FROM breaker_prospects
            WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
              AND step = s.step AND status = 1 AND resume_at IS NOT NULL
            ORDER BY resume_at
            LIMIT 1) AS r
        """;

    private const string ScheduleSql = """
        INSERT INTO breaker_campaign_wakes (workspace_id, campaign_id, wake_at, owner)
        VALUES (@workspace_id, @campaign_id, @wake_at, @owner)
        ON CONFLICT (workspace_id, campaign_id) DO UPDATE SET wake_at = excluded.wake_at, owner = excluded.owner
        """;

    private const string UnscheduleSql = """
        DELETE FROM breaker_campaign_wakes WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
        """;

    // SKIP LOCKED: a claimer passes over entries another claimer has locked, instead of queueing behind
    // it. An entry another claimer moved and committed meanwhile is re-checked as committed (its wake
    // time is now the retry time, past dueBy) and dropped: two claimers never both claim it.
    // The update finds the locked rows by their ctids (stable while we hold the locks), a TID scan that
    // reads only the rows claimed: joined on the key, the planner chose to hash-join a scan of the whole
    // table at 10,000 campaigns. A row the lock found changed by a commit after this statement's
    // snapshot (and still due) is not visible to the update and stays as it is, for the next claim.
    // The last step only puts the claimed keys in wake order again, from the two CTEs: no table read.
    private const string ClaimSql = """
        WITH due AS (
            SELECT ctid, workspace_id, campaign_id, wake_at FROM breaker_campaign_wakes
            WHERE wake_at <= @due_by AND (owner IS NULL OR owner <> ALL (@live_owners))
            ORDER BY wake_at
            LIMIT @limit
            FOR UPDATE SKIP LOCKED),
        moved AS (
            UPDATE breaker_campaign_wakes AS w
            SET wake_at = @retry_at, owner = NULL
            WHERE w.ctid = ANY (ARRAY(SELECT ctid FROM due))
            RETURNING w.workspace_id, w.campaign_id)
        SELECT m.workspace_id, m.campaign_id
        FROM moved AS m JOIN due AS d USING (workspace_id, campaign_id)
        ORDER BY d.wake_at
        """;

    private const string GetScheduleSql = """
        SELECT wake_at, owner FROM breaker_campaign_wakes WHERE workspace_id = @workspace_id AND campaign_id = @campaign_id
        """;

    private readonly NpgsqlDataSource _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));

    /// <summary>The data source it runs on: the process's one pool, shared with the event log (issue 11).</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    public async Task<IReadOnlyList<string>> AddAsync(CampaignKey campaign, IReadOnlyList<ProspectRecord> prospects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prospects);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var distinct = prospects.Where(p => seen.Add(p.Id)).ToList();
        if (distinct.Count == 0)
        {
            return [];
        }
        await using var command = _dataSource.CreateCommand(AddSql);
        AddCampaign(command.Parameters, campaign);
        AddRecords(command.Parameters, distinct);
        var added = await ReadIdsAsync(command, cancellationToken);
        return [.. distinct.Select(p => p.Id).Where(added.Contains)];
    }

    public async Task<ProspectRecord?> GetAsync(CampaignKey campaign, string prospectId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prospectId);
        await using var command = _dataSource.CreateCommand(GetSql);
        AddCampaign(command.Parameters, campaign);
        command.Parameters.Add(new NpgsqlParameter<string>("prospect_id", prospectId));
        var rows = await ReadRecordsAsync(command, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<ProspectRecord>> ReadDueAsync(CampaignKey campaign, DateTimeOffset now, int limit, IReadOnlyCollection<string>? skipAccounts = null, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return [];
        }
        await using var command = ReadDueCommand(campaign, now, limit, skipAccounts);
        return await ReadRecordsAsync(command, cancellationToken);
    }

    internal NpgsqlCommand ReadDueCommand(CampaignKey campaign, DateTimeOffset now, int limit, IReadOnlyCollection<string>? skipAccounts = null)
    {
        var skip = skipAccounts is { Count: > 0 };
        var command = _dataSource.CreateCommand(skip ? ReadDueSkippingSql : ReadDueSql);
        AddCampaign(command.Parameters, campaign);
        if (skip)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]>("skip", [.. skipAccounts!]));
        }
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", AsStored(now)));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return command;
    }

    public async Task<DateTimeOffset?> NextWakeAsync(CampaignKey campaign, CancellationToken cancellationToken = default)
    {
        await using var command = NextWakeCommand(campaign);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetFieldValue<DateTimeOffset>(0) : null;
    }

    internal NpgsqlCommand NextWakeCommand(CampaignKey campaign)
    {
        var command = _dataSource.CreateCommand(NextWakeSql);
        AddCampaign(command.Parameters, campaign);
        return command;
    }

    /// <remarks>
    /// Repeated ids in one call are not chained: one statement sees each stored row once, so of two
    /// records of one prospect at most the one over the stored version is written, and the id is then
    /// neither reported refused nor written twice. The campaign grain writes each prospect once per call.
    /// </remarks>
    public async Task<IReadOnlyList<string>> UpdateAsync(CampaignKey campaign, IReadOnlyList<ProspectRecord> changed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (changed.Count == 0)
        {
            return [];
        }
        await using var command = UpdateCommand(campaign, changed);
        var written = await ReadIdsAsync(command, cancellationToken);
        // Refused = asked - written, in the order asked.
        return [.. changed.Select(p => p.Id).Where(id => !written.Contains(id))];
    }

    public async Task<IReadOnlyList<ProspectRecord>> ListAsync(CampaignKey campaign, ProspectFilter filter, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (limit <= 0 || filter.Steps is { Count: 0 })
        {
            return [];  // no step matches an empty set of steps
        }
        await using var command = ListCommand(campaign, filter, after, limit);
        return await ReadRecordsAsync(command, cancellationToken);
    }

    internal NpgsqlCommand ListCommand(CampaignKey campaign, ProspectFilter filter, string? after, int limit)
    {
        var command = _dataSource.CreateCommand();
        AddCampaign(command.Parameters, campaign);
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        command.CommandText = ListSql(filter, after, command.Parameters);
        return command;
    }

    public async Task<IReadOnlyList<StepStatusCount>> CountAsync(CampaignKey campaign, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(CountSql);
        AddCampaign(command.Parameters, campaign);
        var counts = new List<StepStatusCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new StepStatusCount(reader.GetInt32(0), Code<ProspectStatus>(reader.GetInt16(1), "status"), reader.GetInt32(2)));
        }
        return counts;
    }

    public async Task<IReadOnlyList<SeatReasonCount>> CountBySeatAsync(CampaignKey campaign, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(CountBySeatSql);
        AddCampaign(command.Parameters, campaign);
        var counts = new List<SeatReasonCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new SeatReasonCount(reader.IsDBNull(0) ? null : reader.GetString(0), Code<ProspectStatus>(reader.GetInt16(1), "status"),
                Code<Reason>(reader.GetInt16(2), "reason"), reader.GetInt32(3)));
        }
        return counts;
    }

    public async Task<IReadOnlyDictionary<int, DateTimeOffset>> EarliestResumeAsync(CampaignKey campaign, int stepCount, CancellationToken cancellationToken = default)
    {
        var earliest = new Dictionary<int, DateTimeOffset>();
        if (stepCount <= 0)
        {
            return earliest;
        }
        await using var command = EarliestResumeCommand(campaign, stepCount);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            earliest[reader.GetInt32(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }
        return earliest;
    }

    internal NpgsqlCommand EarliestResumeCommand(CampaignKey campaign, int stepCount)
    {
        var command = _dataSource.CreateCommand(EarliestResumeSql);
        AddCampaign(command.Parameters, campaign);
        command.Parameters.Add(new NpgsqlParameter<int>("step_count", stepCount));
        return command;
    }

    public async Task ScheduleAsync(CampaignKey campaign, DateTimeOffset? wakeAt, string? owner, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(wakeAt is null ? UnscheduleSql : ScheduleSql);
        AddCampaign(command.Parameters, campaign);
        if (wakeAt is { } at)
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("wake_at", AsStored(at)));
            command.Parameters.Add(Text("owner", owner));
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<CampaignKey>> ClaimDueAsync(DateTimeOffset dueBy, DateTimeOffset retryAt, IReadOnlyCollection<string> liveOwners, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(liveOwners);
        if (limit <= 0)
        {
            return [];
        }
        await using var command = ClaimCommand(dueBy, retryAt, liveOwners, limit);
        var claimed = new List<CampaignKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new CampaignKey(reader.GetString(0), reader.GetString(1)));
        }
        return claimed;
    }

    internal NpgsqlCommand ClaimCommand(DateTimeOffset dueBy, DateTimeOffset retryAt, IReadOnlyCollection<string> liveOwners, int limit)
    {
        var command = _dataSource.CreateCommand(ClaimSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("due_by", AsStored(dueBy)));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("retry_at", AsStored(retryAt)));
        command.Parameters.Add(new NpgsqlParameter<string[]>("live_owners", [.. liveOwners]));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return command;
    }

    public async Task<(DateTimeOffset WakeAt, string? Owner)?> GetScheduleAsync(CampaignKey campaign, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(GetScheduleSql);
        AddCampaign(command.Parameters, campaign);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetFieldValue<DateTimeOffset>(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    private static void AddCampaign(NpgsqlParameterCollection p, CampaignKey campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign.WorkspaceId);
        ArgumentNullException.ThrowIfNull(campaign.CampaignId);
        p.Add(new NpgsqlParameter<string>("workspace_id", campaign.WorkspaceId));
        p.Add(new NpgsqlParameter<string>("campaign_id", campaign.CampaignId));
    }

    // One array per column, typed: an array of nulls must still say its element type.
    private static void AddRecords(NpgsqlParameterCollection p, IReadOnlyList<ProspectRecord> records)
    {
        if (records.Any(r => r is null))
        {
            throw new ArgumentException("The batch contains a null prospect.", nameof(records));
        }
        p.Add(new NpgsqlParameter("prospect_id", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = records.Select(r => r.Id).ToArray() });
        p.Add(new NpgsqlParameter("profile_url", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = records.Select(r => r.ProfileUrl).ToArray() });
        p.Add(new NpgsqlParameter<int[]>("step", [.. records.Select(r => r.StepIndex)]));
        p.Add(new NpgsqlParameter<short[]>("status", [.. records.Select(r => (short)r.Status)]));
        p.Add(new NpgsqlParameter<short[]>("reason", [.. records.Select(r => (short)r.Reason)]));
        p.Add(Times("resume_at", records.Select(r => r.ResumeAt)));
        p.Add(Times("wake_at", records.Select(r => r.WakeAt)));
        p.Add(new NpgsqlParameter<int[]>("attempts", [.. records.Select(r => r.Attempts)]));
        p.Add(Times("skipped_trip", records.Select(r => r.SkippedTrip)));
        p.Add(new NpgsqlParameter<int[]>("skipped_step", [.. records.Select(r => r.SkippedStep)]));
        p.Add(new NpgsqlParameter<bool[]>("accepted", [.. records.Select(r => r.Accepted)]));
        p.Add(new NpgsqlParameter<bool[]>("replied", [.. records.Select(r => r.Replied)]));
        p.Add(new NpgsqlParameter("account_id", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = records.Select(r => r.AccountId).ToArray() });
        p.Add(new NpgsqlParameter<int[]>("version", [.. records.Select(r => r.Version)]));
    }

    internal NpgsqlCommand UpdateCommand(CampaignKey campaign, IReadOnlyList<ProspectRecord> changed)
    {
        var command = _dataSource.CreateCommand(changed.Count == 1 ? UpdateOneSql : UpdateSql);
        AddCampaign(command.Parameters, campaign);
        if (changed.Count == 1)
        {
            AddRecord(command.Parameters, changed[0] ?? throw new ArgumentException("The batch contains a null prospect.", nameof(changed)));
        }
        else
        {
            AddRecords(command.Parameters, changed);
        }
        return command;
    }

    private static void AddRecord(NpgsqlParameterCollection p, ProspectRecord r)
    {
        p.Add(Text("prospect_id", r.Id));
        p.Add(Text("profile_url", r.ProfileUrl));
        p.Add(new NpgsqlParameter<int>("step", r.StepIndex));
        p.Add(new NpgsqlParameter<short>("status", (short)r.Status));
        p.Add(new NpgsqlParameter<short>("reason", (short)r.Reason));
        p.Add(Time("resume_at", r.ResumeAt));
        p.Add(Time("wake_at", r.WakeAt));
        p.Add(new NpgsqlParameter<int>("attempts", r.Attempts));
        p.Add(Time("skipped_trip", r.SkippedTrip));
        p.Add(new NpgsqlParameter<int>("skipped_step", r.SkippedStep));
        p.Add(new NpgsqlParameter<bool>("accepted", r.Accepted));
        p.Add(new NpgsqlParameter<bool>("replied", r.Replied));
        p.Add(Text("account_id", r.AccountId));
        p.Add(new NpgsqlParameter<int>("version", r.Version));
    }

    private static NpgsqlParameter Time(string name, DateTimeOffset? value) =>
        new(name, NpgsqlDbType.TimestampTz) { Value = value is { } t ? AsStored(t) : DBNull.Value };

    private static NpgsqlParameter Times(string name, IEnumerable<DateTimeOffset?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = values.Select(v => v is { } t ? AsStored(t) : (DateTimeOffset?)null).ToArray() };

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = value is null ? DBNull.Value : value };

    private static async Task<HashSet<string>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    private static async Task<IReadOnlyList<ProspectRecord>> ReadRecordsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var records = new List<ProspectRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(ReadRecord(reader));
        }
        return records;
    }

    private static ProspectRecord ReadRecord(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        ProfileUrl = r.IsDBNull(1) ? null : r.GetString(1),
        StepIndex = r.GetInt32(2),
        Status = Code<ProspectStatus>(r.GetInt16(3), "status"),
        Reason = Code<Reason>(r.GetInt16(4), "reason"),
        ResumeAt = Time(r, 5),
        WakeAt = Time(r, 6),
        Attempts = r.GetInt32(7),
        SkippedTrip = Time(r, 8),
        SkippedStep = r.GetInt32(9),
        Accepted = r.GetBoolean(10),
        Replied = r.GetBoolean(11),
        AccountId = r.IsDBNull(12) ? null : r.GetString(12),
        Version = r.GetInt32(13),
    };

    private static DateTimeOffset? Time(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetFieldValue<DateTimeOffset>(ordinal);

    // A code this build does not know (written by a newer build) must not turn silently into another status.
    private static TEnum Code<TEnum>(short code, string column) where TEnum : struct, Enum
    {
        var value = (TEnum)Enum.ToObject(typeof(TEnum), code);
        return Enum.IsDefined(value)
            ? value
            : throw new InvalidOperationException($"breaker_prospects.{column} holds {code}, which is not a {typeof(TEnum).Name} this build knows.");
    }

    // timestamptz holds microseconds in UTC; Npgsql refuses non-UTC offsets.
    internal static DateTimeOffset AsStored(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }
}
