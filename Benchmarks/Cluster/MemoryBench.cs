using OrleansBreaker.Accounts;
using Orleans.Core.Internal;
using Orleans.Runtime;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Figure 5: managed heap per activation of an idle, configured account. The silo runs in this
/// process (TestingHost), so <see cref="GC.GetTotalMemory(bool)"/> sees its heap; so does the
/// client's, which holds nothing per grain once the calls return.
/// </summary>
/// <remarks>
/// Accounts are configured (state in the memory store, workspaces in their directory grains),
/// deactivated, and the heap is read; then every account is activated again by a view call and the
/// heap is read again. The difference, divided by N, is what one idle activation holds: the grain,
/// its state object as read from storage, the Orleans activation (catalog, directory entry,
/// message queues). The same is done for N empty <see cref="IPingGrain"/> activations: Orleans'
/// own share, which the product cannot go below.
/// </remarks>
internal sealed class MemoryBench(HarnessOptions o, Reporter reporter, HarnessSummary summary)
{
    private const double TargetBytes = 5 * 1024;

    public async Task RunAsync()
    {
        using var world = new BenchWorld(TimeProvider.System);
        reporter.Line($"memory: starting a 1-silo cluster for {o.MemoryAccounts:#,0} accounts");
        var cluster = await BenchCluster.StartAsync(world, 1);
        try
        {
            var grains = cluster.Client;
            var n = o.MemoryAccounts;
            var accounts = BenchAccounts.Create("mem", n, o.AccountsPerWorkspace);

            var pingBefore = await HeapAsync();
            var pings = await Load.ForEachAsync("activate ping grains", n, o.Concurrency, i => grains.GetGrain<IPingGrain>(accounts[i].Key).PingAsync(), reporter);
            var pingAfter = await HeapAsync();
            var pingCount = await ActivationsAsync(grains, "PingGrain");
            var perPing = (pingAfter - pingBefore) / (double)n;
            reporter.Line($"  {pingCount:#,0} ping activations: {perPing:#,0} B each");
            await Load.ForEachAsync("deactivate ping grains", n, o.Concurrency,
                i => grains.GetGrain<IPingGrain>(accounts[i].Key).AsReference<IGrainManagementExtension>().DeactivateOnIdle().AsTask(), reporter);

            var configure = await Load.ForEachAsync("configure accounts", n, o.Concurrency,
                i => grains.GetGrain<IAccountGrain>(accounts[i].Key).ConfigureAsync(BenchAccounts.Generous), reporter);
            await Load.ForEachAsync("deactivate accounts", n, o.Concurrency,
                i => grains.GetGrain<IAccountGrain>(accounts[i].Key).AsReference<IGrainManagementExtension>().DeactivateOnIdle().AsTask(), reporter);
            var idleBefore = await WaitForActivationsAsync(grains, "AccountGrain", 0);
            var before = await HeapAsync();
            var activate = await Load.ForEachAsync("activate idle accounts", n, o.Concurrency,
                i => grains.GetGrain<IAccountGrain>(accounts[i].Key).GetViewAsync(), reporter);
            var after = await HeapAsync();
            var active = await ActivationsAsync(grains, "AccountGrain");
            var perAccount = (after - before) / (double)n;
            reporter.Line($"  {active:#,0} account activations: {perAccount:#,0} B each");

            var history = await HistoryAsync(grains, world, perAccount);

            var verdict = active < n * 0.99 || idleBefore > n * 0.01 ? Verdict.Miss : perAccount <= TargetBytes ? Verdict.Pass : Verdict.Miss;
            summary.Set(new Figure("5", HarnessSummary.TitleOf("5"), $"{perAccount / 1024:0.00} KB per account ({n:#,0} activated)",
                $"empty grain: {perPing / 1024:0.00} KB", perPing > 0 ? perAccount / perPing : null, "≤ 5 KB per account", verdict));
            summary.Detail("5. Memory per idle account activation", $"""
                Managed heap after a full blocking, compacting GC (`GC.GetTotalMemory(true)` after `GC.Collect`), read in this process,
                which hosts the silo and the client. {n:#,0} accounts configured (zone {BenchAccounts.Generous.TimeZone}, caps for all 6 action
                types), deactivated (`IGrainManagementExtension.DeactivateOnIdle`), then activated again by `GetViewAsync`.
                The figure includes the grain object and its fields, the `AccountState` read from storage, and Orleans' activation
                (catalog entry, directory entry, activation data); it excludes the stored copy of the state (memory storage holds it
                whether the grain is active or not) and the workspace directory grains (active in both readings).

                | reading | accounts active | managed heap |
                |---|---|---|
                | before activating (configured, deactivated) | {idleBefore:#,0} | {before / 1048576.0:#,0.0} MB |
                | after activating all | {active:#,0} | {after / 1048576.0:#,0.0} MB |
                | per account | | **{perAccount:#,0} B** |
                | per empty `IPingGrain` ({pingCount:#,0} active) | | {perPing:#,0} B |
                | product share (account − empty grain) | | {perAccount - perPing:#,0} B |

                - Configure: {configure.PerSecond:#,0}/s; activation of idle accounts: {activate.PerSecond:#,0}/s ({activate.Errors} errors); pings: {pings.PerSecond:#,0}/s.
                - GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}; 100,000 accounts at this size hold {perAccount * 100_000 / 1048576.0:#,0} MB.
                {history}
                """);
        }
        finally
        {
            await BenchCluster.StopAsync(cluster);
        }
    }

    /// <summary>
    /// What history adds to an active account: a sample of fresh accounts each dispatches a day's worth
    /// of messages (the event log bypassed, so only the grain holds them: its retained intents and its
    /// cap-counter list), then is deactivated; the heap that deactivation frees, per account, is the
    /// activation with that history.
    /// </summary>
    private async Task<string> HistoryAsync(IClusterClient grains, BenchWorld world, double freshPerAccount)
    {
        var count = o.Quick ? 20 : 1_000;
        var perDay = o.Quick ? 20 : 150; // BRIEF §10: ~150 actions per account per day
        var accounts = BenchAccounts.Create("hist", count, o.AccountsPerWorkspace);
        await Load.ForEachAsync("history: configure accounts", count, o.Concurrency, i => grains.GetGrain<IAccountGrain>(accounts[i].Key).ConfigureAsync(BenchAccounts.Generous), reporter);
        world.EventLog.Bypass = true;
        try
        {
            await Load.ForEachAsync($"history: {perDay} dispatches per account", count * perDay, o.Concurrency, i =>
                grains.GetGrain<IAccountGrain>(accounts[i % count].Key).DispatchAsync(BenchAccounts.Command($"h{i}", ActionType.Message)), reporter);
        }
        finally
        {
            world.EventLog.Bypass = false;
        }
        var active = await HeapAsync();
        await Load.ForEachAsync("history: deactivate", count, o.Concurrency,
            i => grains.GetGrain<IAccountGrain>(accounts[i].Key).AsReference<IGrainManagementExtension>().DeactivateOnIdle().AsTask(), reporter);
        await Task.Delay(1000);
        var idle = await HeapAsync();
        var perAccount = (active - idle) / (double)count;
        var perDispatch = (perAccount - freshPerAccount) / perDay;
        reporter.Line($"  history: {perAccount:#,0} B per account after {perDay} dispatches ({perDispatch:#,0} B per dispatch retained)");
        return $"- With history: {count:#,0} other accounts each dispatched {perDay} messages ({(o.Quick ? "quick sizes" : "a day at BRIEF §10's rate")}; event log bypassed so only the " +
            $"grain holds them), then were deactivated: deactivation freed **{perAccount:#,0} B per account**, {perAccount - freshPerAccount:#,0} B more than a fresh " +
            $"activation ({perDispatch:#,0} B per dispatch averaged over the {perDay}). What an account keeps is bounded, not proportional to its history: the " +
            $"{AccountDecider.RecentFinalIntents} latest final intents and its pending or unknown ones, and cap counters per action type and local day for the 8 days the windows see.";
    }

    private static async Task<long> HeapAsync()
    {
        await Task.Delay(500); // let the last replies and timers settle
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    internal static async Task<int> ActivationsAsync(IClusterClient grains, string grainClass)
    {
        var stats = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains(grainClass, StringComparison.OrdinalIgnoreCase)).Sum(s => s.ActivationCount);
    }

    private static async Task<int> WaitForActivationsAsync(IClusterClient grains, string grainClass, int expected)
    {
        var count = 0;
        for (var i = 0; i < 100; i++)
        {
            count = await ActivationsAsync(grains, grainClass);
            if (count <= expected)
            {
                break;
            }
            await Task.Delay(100);
        }
        return count;
    }
}
