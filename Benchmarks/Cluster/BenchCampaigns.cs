using System.Diagnostics;
using System.Diagnostics.Metrics;
using Npgsql;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Campaigns as the harness drives them, through the public grain interfaces only (<see cref="ICampaignGrain"/>
/// ConfigureAsync, AddProspectsAsync, GetViewAsync), so the same code measures whatever stores the
/// prospects behind them. Plus the database and runtime readings the campaign figures need.
/// </summary>
internal static class BenchCampaigns
{
    /// <summary>Prospects per AddProspectsAsync call: a large import comes in batches, as through the API.</summary>
    public const int AddBatch = 5_000;

    /// <summary>
    /// An order of <paramref name="count"/> indices that takes one from each workspace in turn. Set-up
    /// writes that touch their workspace's grain (an account or campaign joining it) are serialised on
    /// that grain; in index order, every worker would queue behind the same workspace.
    /// </summary>
    public static int[] AcrossWorkspaces(int count, Func<int, string> workspaceOf) =>
        [.. Enumerable.Range(0, count).GroupBy(workspaceOf)
            .SelectMany((g, w) => g.Select((i, rank) => (i, rank, w)))
            .OrderBy(x => x.rank).ThenBy(x => x.w).Select(x => x.i)];

    public static string Key(BenchAccount account, string campaignId) => GrainKeys.Scoped(account.Workspace, campaignId);

    public static CampaignSettings Settings(BenchAccount account, bool active, int delayMinutes = 0) => new()
    {
        AccountId = account.Id,
        Steps = [new StepDefinition(ActionType.Message, delayMinutes)],
        Active = active,
    };

    public static IReadOnlyList<ProspectInput> Prospects(string prefix, int from, int count) =>
        [.. Enumerable.Range(from, count).Select(j => new ProspectInput($"{prefix}p{j:D7}", $"https://www.linkedin.com/in/{prefix}p{j:D7}"))];

    /// <summary>Creates a campaign (paused unless told) and enrols <paramref name="prospects"/> in batches.</summary>
    public static async Task CreateAsync(IGrainFactory grains, BenchAccount account, string campaignId, int prospects, bool active = false, int delayMinutes = 0)
    {
        var campaign = grains.GetGrain<ICampaignGrain>(Key(account, campaignId));
        await campaign.ConfigureAsync(Settings(account, active, delayMinutes));
        for (var from = 0; from < prospects; from += AddBatch)
        {
            await campaign.AddProspectsAsync(Prospects(campaignId, from, Math.Min(AddBatch, prospects - from)));
        }
    }

    public static Task SetActiveAsync(IGrainFactory grains, BenchAccount account, string campaignId, bool active, int delayMinutes = 0) =>
        grains.GetGrain<ICampaignGrain>(Key(account, campaignId)).ConfigureAsync(Settings(account, active, delayMinutes));

    /// <summary>
    /// Counts the upstream's deliveries over <paramref name="duration"/>, with a progress line (deliveries/s since the
    /// last one) every <paramref name="every"/>; returns them with the window's exact length.
    /// </summary>
    public static async Task<(long Delivered, TimeSpan Window)> CountDeliveriesAsync(UpstreamMeter upstream, TimeSpan duration, TimeSpan every, string name, Reporter reporter)
    {
        var from = upstream.Delivered;
        var began = Stopwatch.GetTimestamp();
        var lastCount = from;
        var lastAt = began;
        var until = began + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            await Task.Delay(remaining < every ? remaining : every);
            var now = Stopwatch.GetTimestamp();
            var count = upstream.Delivered;
            if (Stopwatch.GetElapsedTime(lastAt, now) < TimeSpan.FromSeconds(0.5))
            {
                continue; // the window's last sliver: no progress line for it
            }
            reporter.Line($"  {name}: {Stopwatch.GetElapsedTime(began, now).TotalSeconds,5:0.0} s, {(count - lastCount) / Stopwatch.GetElapsedTime(lastAt, now).TotalSeconds,10:#,0} deliveries/s");
            (lastCount, lastAt) = (count, now);
        }
        return (upstream.Delivered - from, Stopwatch.GetElapsedTime(began));
    }

    /// <summary>Waits until the upstream has delivered <paramref name="count"/> more actions, or the timeout passes.</summary>
    public static async Task<(long Delivered, TimeSpan Elapsed)> WaitForDeliveriesAsync(UpstreamMeter upstream, long from, long count, TimeSpan timeout)
    {
        var began = Stopwatch.GetTimestamp();
        while (upstream.Delivered - from < count && Stopwatch.GetElapsedTime(began) < timeout)
        {
            await Task.Delay(20);
        }
        return (upstream.Delivered - from, Stopwatch.GetElapsedTime(began));
    }

    /// <summary>The server's current WAL insert position (cluster-wide: every database of the server writes there).</summary>
    public static async Task<string> WalPositionAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand($"{DbStats.Marker} SELECT pg_current_wal_lsn()::text");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<long> WalSinceAsync(NpgsqlDataSource dataSource, string position)
    {
        await using var command = dataSource.CreateCommand($"{DbStats.Marker} SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint");
        command.Parameters.Add(new NpgsqlParameter { Value = position });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Reminder rows of the cluster: all of them, and those held by campaign grains.</summary>
    public static async Task<(long All, long Campaigns)> ReminderRowsAsync(NpgsqlDataSource dataSource, string serviceId)
    {
        await using var command = dataSource.CreateCommand($"""
            {DbStats.Marker} SELECT count(*), count(*) FILTER (WHERE grainid ILIKE 'campaign%')
            FROM orleansreminderstable WHERE serviceid = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = serviceId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The largest campaign grain-state row of the cluster, in bytes (null: none stored).</summary>
    public static async Task<long?> LargestCampaignRowAsync(NpgsqlDataSource dataSource, string serviceId)
    {
        await using var command = dataSource.CreateCommand($"""
            {DbStats.Marker} SELECT max(octet_length(payloadbinary))::bigint FROM orleansstorage
            WHERE serviceid = $1 AND graintypestring ILIKE '%campaign%'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = serviceId });
        return await command.ExecuteScalarAsync() is long bytes ? bytes : null;
    }

    /// <summary>
    /// What Orleans' reminder service tracks in this process (<c>orleans-reminders-active</c>, an
    /// observable gauge of the local reminder service; null when no silo publishes it).
    /// </summary>
    public static long? RemindersTrackedByOrleans()
    {
        long? total = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "orleans-reminders-active")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => total = (total ?? 0) + value);
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => total = (total ?? 0) + value);
        listener.Start();
        listener.RecordObservableInstruments();
        return total;
    }

    /// <summary>Managed heap after full blocking compacting collections, and the process working set.</summary>
    public static async Task<(long Heap, long WorkingSet)> MemoryAsync()
    {
        await Task.Delay(500);
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return (heap, process.WorkingSet64);
    }

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 30 => $"{bytes / (1 << 30):0.00} GB",
        >= 1 << 20 => $"{bytes / (1 << 20):0.0} MB",
        >= 1 << 10 => $"{bytes / (1 << 10):0.0} KB",
        _ => $"{bytes:0} B",
    };
}
