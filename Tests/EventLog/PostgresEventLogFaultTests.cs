using Npgsql;
using OrleansBreaker.EventLog;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.EventLog;

/// <summary>
/// The group commit under faults below the SQL: connections cut, statements timed out, a pool with no
/// connection to give. Whatever happens to a shared statement, every append in it completes (stored,
/// or failed so that its caller keeps the events in its outbox): an append that never completes hangs
/// its grain inside its turn.
/// </summary>
/// <remarks>
/// Each test holds <c>breaker_events</c> with a table lock from a second session, so the log's
/// statements stay in flight while more appends than the log writes at once queue behind them and go
/// out together in the next shared statement, which meets the same fault.
/// </remarks>
public sealed class PostgresEventLogFaultTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Append_WhenTheLogsBackendsAreTerminatedMidStatement_EveryAppendCompletes()
    {
        await using var scene = await Scene.StartAsync(database, b => { });

        var first = scene.Append(0, 8);
        await scene.WaitForBlockedStatementsAsync();
        var queued = scene.Append(8, 60);
        // Cut every connection the log has, again and again: the queued appends go out in shared
        // statements, on new connections or on pooled ones whose backend is already gone.
        List<Task<IReadOnlyList<EventRecord>>> appends = [.. first, .. queued];
        using (var timeout = new CancellationTokenSource(Patience))
        {
            while (!appends.All(a => a.IsCompleted) && !timeout.IsCancellationRequested)
            {
                await scene.TerminateAsync();
                await Task.Delay(20);
            }
        }
        await scene.ReleaseAsync();

        await AssertEveryAppendCompletedAsync(scene, [.. first, .. queued]);
    }

    [Fact]
    public async Task Append_WhenSharedStatementsTimeOut_EveryAppendCompletes()
    {
        // Three seconds: long enough for the watcher to see the first statements wait, on a loaded machine too.
        await using var scene = await Scene.StartAsync(database, b => b.CommandTimeout = 3);

        var first = scene.Append(0, 8);
        await scene.WaitForBlockedStatementsAsync();
        var queued = scene.Append(8, 60);
        // The first statements time out; the queued appends go out together and time out as well.
        await WaitUntilAsync(() => queued.Any(a => a.IsFaulted));
        await scene.ReleaseAsync();

        await AssertEveryAppendCompletedAsync(scene, [.. first, .. queued]);
    }

    [Fact]
    public async Task Append_WhenThePoolHasNoConnectionToGive_EveryAppendCompletes()
    {
        // One connection, held by the blocked first statement: every other flush waits a second for it, then fails.
        await using var scene = await Scene.StartAsync(database, b => { b.MaxPoolSize = 1; b.Timeout = 1; });

        var first = scene.Append(0, 1);
        await scene.WaitForBlockedStatementsAsync();
        var queued = scene.Append(1, 60);
        await WaitUntilAsync(() => queued.Any(a => a.IsFaulted));
        await scene.ReleaseAsync();

        await AssertEveryAppendCompletedAsync(scene, [.. first, .. queued]);
    }

    [Fact]
    public async Task ClaimsInSharedStatements_WhenTheStatementsTimeOut_EveryClaimCompletes_AndOnlyClaimsReportedTakenAreStored()
    {
        // Claims go out in the same group commit as appends, so they meet the same faults in the same statements.
        await using var scene = await Scene.StartAsync(database, b => b.CommandTimeout = 3);

        var first = scene.Append(0, 8);
        await scene.WaitForBlockedStatementsAsync();
        var claims = scene.Claim(8, 40);
        var queued = scene.Append(48, 20);
        await WaitUntilAsync(() => claims.Any(c => c.IsFaulted));
        await scene.ReleaseAsync();

        await AssertSettledAsync([.. first, .. queued, .. claims]);
        Assert.Contains(claims, c => c.IsFaulted);
        // A fresh key is taken, never held: every claim that did not fail took its key, and only those are stored.
        Assert.All(claims.Where(c => c.IsCompletedSuccessfully), c => Assert.Null(c.Result));
        Assert.Equal(claims.Count(c => c.IsCompletedSuccessfully), await scene.CountStoredAsync(EventKind.Claimed));
        Assert.Null(await scene.Log.ClaimAsync(scene.Event(1000) with { Kind = EventKind.Claimed, Key = "after" }));
    }

    private async Task AssertEveryAppendCompletedAsync(Scene scene, List<Task<IReadOnlyList<EventRecord>>> appends)
    {
        await AssertSettledAsync(appends);
        Assert.Contains(appends, a => a.IsFaulted);
        // What the log says it stored is stored, and nothing else.
        Assert.Equal(appends.Where(a => a.IsCompletedSuccessfully).Sum(a => a.Result.Count), await scene.CountStoredAsync());
        // And the log works again once the fault is gone.
        Assert.Single(await scene.Log.AppendAsync([scene.Event(1000)]));
    }

    /// <summary>Every call completes, stored or failed: one that never completes hangs its grain inside its turn.</summary>
    private static async Task AssertSettledAsync(IReadOnlyList<Task> calls)
    {
        var settled = Task.WhenAll(calls.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));
        var completed = await Task.WhenAny(settled, Task.Delay(Patience)) == settled;

        Assert.True(completed, $"{calls.Count(a => !a.IsCompleted)} of {calls.Count} calls never completed; the others failed with: " +
            string.Join(", ", calls.Where(a => a.IsFaulted).Select(a => a.Exception!.InnerException!.GetType().Name).Distinct()));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>A log on a data source of its own, named so that terminating its backends touches no one else, and the table held.</summary>
    private sealed class Scene : IAsyncDisposable
    {
        private readonly string _application = $"fault-{Guid.NewGuid():N}";
        private readonly string _workspace = $"ws-{Guid.NewGuid():N}";
        private readonly List<int> _terminated = [];
        private NpgsqlDataSource _logSource = null!;
        // Two admin sessions: one holds the table, one watches and terminates. The watcher must not be
        // the holder: in a transaction, pg_stat_activity stays as it was first read.
        private NpgsqlConnection _holder = null!;
        private NpgsqlConnection _watcher = null!;
        private NpgsqlTransaction? _hold;

        public PostgresEventLog Log { get; private set; } = null!;

        public static async Task<Scene> StartAsync(PostgresDatabaseFixture database, Action<NpgsqlConnectionStringBuilder> configure)
        {
            var scene = new Scene();
            var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = scene._application };
            configure(builder);
            scene._logSource = NpgsqlDataSource.Create(builder.ConnectionString);
            scene.Log = new PostgresEventLog(scene._logSource);
            scene._holder = await database.DataSource.OpenConnectionAsync();
            scene._watcher = await database.DataSource.OpenConnectionAsync();
            scene._hold = await scene._holder.BeginTransactionAsync();
            await using var command = new NpgsqlCommand("LOCK TABLE breaker_events IN EXCLUSIVE MODE", scene._holder, scene._hold);
            await command.ExecuteNonQueryAsync();
            return scene;
        }

        /// <summary>Starts <paramref name="count"/> appends of two events each, without waiting for them.</summary>
        public List<Task<IReadOnlyList<EventRecord>>> Append(int from, int count) =>
            [.. Enumerable.Range(from, count).Select(i => Log.AppendAsync([Event(i), Event(i)]))];

        /// <summary>Starts <paramref name="count"/> claims of fresh keys, without waiting for them.</summary>
        public List<Task<EventRecord?>> Claim(int from, int count) =>
            [.. Enumerable.Range(from, count).Select(i => Log.ClaimAsync(Event(i) with { Kind = EventKind.Claimed, Key = $"k-{i}" }))];

        public EventRecord Event(int i) => new()
        {
            At = DateTimeOffset.UnixEpoch.AddSeconds(i),
            Kind = EventKind.Skipped,
            WorkspaceId = _workspace,
            CampaignId = "c",
            AccountId = "a",
            ProspectId = $"p-{i}",
            Action = ActionType.Invite,
            Reason = Reason.Pacing,
        };

        /// <summary>Waits until a statement of the log, on a backend not yet terminated, waits on the held table.</summary>
        public async Task WaitForBlockedStatementsAsync()
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (true)
            {
                await using var command = new NpgsqlCommand(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = @app AND wait_event_type = 'Lock' AND pid <> ALL(@gone)", _watcher);
                command.Parameters.AddWithValue("app", _application);
                command.Parameters.AddWithValue("gone", _terminated.ToArray());
                if ((long)(await command.ExecuteScalarAsync(timeout.Token))! > 0)
                {
                    return;
                }
                await Task.Delay(20, timeout.Token);
            }
        }

        /// <summary>Terminates every backend of the log, as an operator or a failover would.</summary>
        public async Task TerminateAsync()
        {
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(array_agg(pid) FILTER (WHERE pg_terminate_backend(pid)), '{}') FROM pg_stat_activity WHERE application_name = @app", _watcher);
            command.Parameters.AddWithValue("app", _application);
            _terminated.AddRange((int[])(await command.ExecuteScalarAsync())!);
        }

        public async Task ReleaseAsync()
        {
            if (_hold is not null)
            {
                await _hold.RollbackAsync();
                _hold = null;
            }
        }

        public async Task<long> CountStoredAsync(EventKind? kind = null)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM breaker_events WHERE workspace_id = @ws AND (@kind::text IS NULL OR kind = @kind::text)", _watcher);
            command.Parameters.AddWithValue("ws", _workspace);
            command.Parameters.AddWithValue("kind", (object?)kind?.ToString() ?? DBNull.Value);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        public async ValueTask DisposeAsync()
        {
            await ReleaseAsync();
            await _holder.DisposeAsync();
            await _watcher.DisposeAsync();
            await _logSource.DisposeAsync();
        }
    }
}
