using System.Text.RegularExpressions;
using Npgsql;
using OrleansBreaker.Campaigns;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.Campaigns;

/// <summary>
/// A campaign of 100,000 prospects (issue 11): the readers the campaign grain runs while it dispatches
/// (the due read, the next wake, the earliest resume per step) and the prospects list with a status or
/// reason filter (or an account alone) read through an index, never a scan of <c>breaker_prospects</c>. Each statement is the
/// one the store runs (its internal command builders), explained twice: as PostgreSQL plans it for the
/// values given (a custom plan), and as it plans it for any values (the generic plan an auto-prepared
/// statement switches to after five runs). Behaviour only: no timing is asserted.
/// </summary>
public sealed class PostgresProspectStoreScaleTests(PostgresProspectStoreScaleTests.Seeded seeded)
    : IClassFixture<PostgresProspectStoreScaleTests.Seeded>
{
    private const int Prospects = 100_000;
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly PostgresProspectStore _store = seeded.Store;
    private readonly CampaignKey _campaign = seeded.Campaign;

    [Fact]
    public async Task DueRead_ReadsTheDueIndex()
    {
        await using var command = _store.ReadDueCommand(_campaign, T0.AddMinutes(10), 100);

        await AssertIndexReadAsync(command, "ix_breaker_prospects_due");
        Assert.Equal(100, (await _store.ReadDueAsync(_campaign, T0.AddMinutes(10), 100)).Count);
    }

    [Fact]
    public async Task NextWake_ReadsTheDueIndex()
    {
        await using var command = _store.NextWakeCommand(_campaign);

        await AssertIndexReadAsync(command, "ix_breaker_prospects_due");
        Assert.Equal(T0, await _store.NextWakeAsync(_campaign));
    }

    [Fact]
    public async Task EarliestResume_SeeksTheResumeIndexOncePerStep()
    {
        await using var command = _store.EarliestResumeCommand(_campaign, 3);

        await AssertIndexReadAsync(command, "ix_breaker_prospects_resume");
        Assert.Equal([0, 1, 2], (await _store.EarliestResumeAsync(_campaign, 3)).Keys.Order());
    }

    [Fact]
    public async Task PageWithARareStatus_ReadsTheStatusReasonIndex()
    {
        var filter = new ProspectFilter { Status = ProspectStatus.Failed };
        await using var command = _store.ListCommand(_campaign, filter, "p050000", 50);

        await AssertIndexReadAsync(command, "ix_breaker_prospects_status_reason");
        var page = await _store.ListAsync(_campaign, filter, "p050000", 50);
        Assert.Equal(50, page.Count);
        Assert.All(page, p => Assert.Equal(ProspectStatus.Failed, p.Status));
    }

    [Fact]
    public async Task PageWithACommonStatus_ReadsTheStatusReasonIndex()
    {
        var filter = new ProspectFilter { Status = ProspectStatus.Waiting };
        await using var command = _store.ListCommand(_campaign, filter, "p050000", 50);

        await AssertIndexReadAsync(command, "ix_breaker_prospects_status_reason");
        var page = await _store.ListAsync(_campaign, filter, "p050000", 50);
        Assert.Equal(50, page.Count);
        Assert.All(page, p => Assert.Equal(ProspectStatus.Waiting, p.Status));
    }

    [Fact]
    public async Task PageWithAStatusAndReasons_ReadsTheStatusReasonIndex()
    {
        var filter = new ProspectFilter { Status = ProspectStatus.Waiting, Reasons = [Reason.CapReached, Reason.InMailCreditsExhausted] };
        await using var command = _store.ListCommand(_campaign, filter, null, 50);

        await AssertIndexReadAsync(command, "ix_breaker_prospects_status_reason");
        Assert.Equal(50, (await _store.ListAsync(_campaign, filter, null, 50)).Count);
    }

    [Fact]
    public async Task PageWithAnAccountFilterAlone_WalksThePrimaryKey()
    {
        await using var command = _store.ListCommand(_campaign, new ProspectFilter { AccountId = "acc-1" }, "p050000", 50);

        await AssertIndexReadAsync(command, "breaker_prospects_pkey");
    }

    [Fact]
    public async Task PageWithARareReason_ReadsTheStatusReasonIndex()
    {
        var filter = new ProspectFilter { Reasons = [Reason.RecipientUnavailable] };
        await using var command = _store.ListCommand(_campaign, filter, null, 50);

        await AssertIndexReadAsync(command, "ix_breaker_prospects_status_reason");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public async Task UpdateOfABatch_FindsItsRowsByThePrimaryKey(int count)
    {
        var records = (await _store.ReadDueAsync(_campaign, T0.AddMinutes(10), count)).Select(r => r with { Version = r.Version + 1 }).ToList();
        await using var command = _store.UpdateCommand(_campaign, records);

        await AssertIndexReadAsync(command, "breaker_prospects_pkey");
    }

    [Fact]
    public async Task ClaimAmong10000Campaigns_ReadsTheWakesIndex()
    {
        await using var command = _store.ClaimCommand(T0, T0.AddMinutes(1), ["silo-live"], 100);

        await AssertIndexReadAsync(command, "ix_breaker_campaign_wakes_due", table: "breaker_campaign_wakes");
    }

    /// <summary>
    /// Explains the command as sent (custom plan) and as a prepared statement forced to its generic plan:
    /// neither may scan the table, and each reads <paramref name="expectedIndex"/> when one is named.
    /// </summary>
    private async Task AssertIndexReadAsync(NpgsqlCommand command, string? expectedIndex, string table = "breaker_prospects")
    {
        var plans = new[] { await ExplainCustomAsync(command), await ExplainGenericAsync(command) };
        foreach (var plan in plans)
        {
            Assert.DoesNotContain($"Seq Scan on {table}", plan);
            Assert.Contains("Index", plan);
            if (expectedIndex is not null)
            {
                Assert.Contains(expectedIndex, plan);
            }
        }
    }

    private async Task<string> ExplainCustomAsync(NpgsqlCommand command)
    {
        await using var explain = seeded.DataSource.CreateCommand("EXPLAIN " + command.CommandText);
        foreach (NpgsqlParameter p in command.Parameters)
        {
            explain.Parameters.Add(p.Clone());
        }
        return await ReadPlanAsync(explain);
    }

    // PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN): prepare the statement with its parameters typed, force
    // the generic plan, and explain the execution.
    private async Task<string> ExplainGenericAsync(NpgsqlCommand command)
    {
        var names = new List<string>();
        var sql = Regex.Replace(command.CommandText, @"@(\w+)", m =>
        {
            var at = names.IndexOf(m.Groups[1].Value);
            if (at < 0)
            {
                names.Add(m.Groups[1].Value);
                at = names.Count - 1;
            }
            return $"${at + 1}";
        });
        var byName = command.Parameters.Cast<NpgsqlParameter>().ToDictionary(p => p.ParameterName);
        var types = names.Select(n => TypeOf(byName[n]));
        var name = $"scale_{Guid.NewGuid():N}";

        await using var connection = await seeded.DataSource.OpenConnectionAsync();
        await using (var prepare = new NpgsqlCommand($"SET plan_cache_mode = force_generic_plan; PREPARE {name} ({string.Join(", ", types)}) AS {sql}", connection))
        {
            await prepare.ExecuteNonQueryAsync();
        }
        try
        {
            // The values as literals: a generic plan does not depend on them.
            await using var explain = new NpgsqlCommand($"EXPLAIN EXECUTE {name} ({string.Join(", ", names.Select(n => Literal(byName[n].Value)))})", connection);
            return await ReadPlanAsync(explain);
        }
        finally
        {
            await using var reset = new NpgsqlCommand($"DEALLOCATE {name}; RESET plan_cache_mode", connection);
            await reset.ExecuteNonQueryAsync();
        }
    }

    private static string TypeOf(NpgsqlParameter parameter) => parameter.Value switch
    {
        DBNull or null when parameter.NpgsqlDbType == NpgsqlTypes.NpgsqlDbType.TimestampTz => "timestamptz",
        DBNull or null when parameter.NpgsqlDbType == NpgsqlTypes.NpgsqlDbType.Text => "text",
        string => "text",
        DateTimeOffset => "timestamptz",
        int => "int",
        short => "smallint",
        bool => "boolean",
        string?[] => "text[]",
        short[] => "smallint[]",
        int[] => "int[]",
        bool[] => "boolean[]",
        DateTimeOffset?[] => "timestamptz[]",
        var value => throw new InvalidOperationException($"No SQL type for a parameter of {value?.GetType().Name ?? "null"}."),
    };

    private static string Literal(object? value) => value switch
    {
        null or DBNull => "NULL",
        string text => $"'{text.Replace("'", "''")}'",
        DateTimeOffset at => $"'{at.UtcDateTime:O}'",
        int number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        short number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        string?[] texts => $"ARRAY[{string.Join(", ", texts.Select(Literal))}]::text[]",
        int[] numbers => $"ARRAY[{string.Join(", ", numbers)}]::int[]",
        short[] numbers => $"ARRAY[{string.Join(", ", numbers)}]::smallint[]",
        bool[] flags => $"ARRAY[{string.Join(", ", flags.Select(f => Literal(f)))}]::boolean[]",
        DateTimeOffset?[] times => $"ARRAY[{string.Join(", ", times.Select(t => Literal(t)))}]::timestamptz[]",
        _ => throw new InvalidOperationException($"No SQL literal for a parameter of {value.GetType().Name}."),
    };

    private static async Task<string> ReadPlanAsync(NpgsqlCommand explain)
    {
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// One database holding the campaign of 100,000 prospects and, beside it, ten smaller campaigns of
    /// the same workspace, so that the campaign's rows are not the whole table, and a due index of
    /// 10,000 campaigns. Statistics are gathered
    /// once (ANALYZE), as autovacuum does after a load of this size.
    /// </summary>
    public sealed class Seeded : IAsyncLifetime
    {
        private readonly PostgresDatabaseFixture _database = new();

        public NpgsqlDataSource DataSource => _database.DataSource;

        public PostgresProspectStore Store { get; private set; } = null!;

        public CampaignKey Campaign { get; } = new($"ws-{Guid.NewGuid():N}", "big");

        public async Task InitializeAsync()
        {
            await _database.InitializeAsync();
            Store = new PostgresProspectStore(_database.DataSource);
            const int batch = 5_000;
            for (var from = 0; from < Prospects; from += batch)
            {
                await Store.AddAsync(Campaign, [.. Enumerable.Range(from, batch).Select(Prospect)]);
            }
            for (var c = 0; c < 10; c++)
            {
                await Store.AddAsync(Campaign with { CampaignId = $"small-{c}" }, [.. Enumerable.Range(0, 2_000).Select(Prospect)]);
            }
            // 10,000 campaigns in the due index: most due later, 100 due now, half of those kept by a live silo.
            await using (var wakes = _database.DataSource.CreateCommand("""
                INSERT INTO breaker_campaign_wakes (workspace_id, campaign_id, wake_at, owner)
                SELECT 'ws-wakes', 'c' || i,
                       CASE WHEN i <= 100 THEN @t0 - make_interval(secs => i) ELSE @t0 + make_interval(mins => i) END,
                       CASE WHEN i % 2 = 0 THEN 'silo-live' END
                FROM generate_series(1, 10000) AS i
                """))
            {
                wakes.Parameters.AddWithValue("t0", T0);
                await wakes.ExecuteNonQueryAsync();
            }
            await using var analyze = _database.DataSource.CreateCommand("ANALYZE breaker_prospects; ANALYZE breaker_campaign_wakes");
            await analyze.ExecuteNonQueryAsync();
        }

        public Task DisposeAsync() => _database.DisposeAsync();

        /// <summary>
        /// A campaign in full flight: 60% done, 20% due, 10% waiting on a cap or credits (resume times
        /// over every step), 10% waiting on the step delay, and one in a thousand failed for good.
        /// </summary>
        private static ProspectRecord Prospect(int i)
        {
            var id = $"p{i:D6}";
            if (i % 1000 == 999)
            {
                return new ProspectRecord { Id = id, StepIndex = i % 3, Status = ProspectStatus.Failed, Reason = Reason.RecipientUnavailable };
            }
            return (i % 10) switch
            {
                < 6 => new ProspectRecord { Id = id, StepIndex = 2, Status = ProspectStatus.Done, AccountId = "acc-1" },
                6 or 7 => new ProspectRecord { Id = id, StepIndex = i % 3, Status = ProspectStatus.Due, WakeAt = T0.AddSeconds(i / 10 % 3_600), AccountId = "acc-1" },
                8 => new ProspectRecord
                {
                    Id = id, StepIndex = i % 3, Status = ProspectStatus.Waiting,
                    Reason = i % 20 == 8 ? Reason.CapReached : Reason.InMailCreditsExhausted,
                    ResumeAt = T0.AddHours(1 + i % 48), WakeAt = T0.AddHours(1 + i % 48), AccountId = "acc-1",
                },
                _ => new ProspectRecord
                {
                    Id = id, StepIndex = i % 3, Status = ProspectStatus.Waiting, Reason = Reason.StepDelay,
                    ResumeAt = T0.AddDays(1), WakeAt = T0.AddDays(1), AccountId = "acc-1",
                },
            };
        }
    }
}
