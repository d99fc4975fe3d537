using BenchmarkDotNet.Attributes;
using OrleansBreaker.Accounts;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Benchmarks.Micro;

/// <summary>
/// The cap check of every dispatch: count this week's and today's deliveries of one action type in the
/// account's zone (non-UTC), then decide whether one more fits. 100 deliveries over the week, mixed
/// action types: a busy sender. The account grain counts with <see cref="CapCounter"/> (per-day
/// counts); <see cref="CapWindows.Count"/> over the list of deliveries is the plain statement it is
/// tested against, and the baseline here.
/// </summary>
[MemoryDiagnoser]
public class CapWindowsBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 15, 30, 0, TimeSpan.Zero); // a Thursday
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly CapLimits Limits = CapWindows.Defaults[ActionType.Message];
    private List<DeliveredAction> _delivered = [];
    private readonly CapCounter _counter = new();

    [Params(100)]
    public int Delivered { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var weekStart = CapWindows.WeekStart(Now, Paris);
        var span = Now - weekStart;
        _delivered = [.. Enumerable.Range(0, Delivered).Select(i =>
            new DeliveredAction(ActionTypes.All[i % ActionTypes.All.Count], weekStart + span * (i / (double)Delivered)))];
        _counter.Reset(_delivered, Paris);
    }

    [Benchmark(Baseline = true)]
    public (int, int) Count() => CapWindows.Count(_delivered, ActionType.Message, Now, Paris);

    [Benchmark]
    public (int, int) CounterCount() => _counter.Count(ActionType.Message, Now);

    [Benchmark]
    public DateTimeOffset? BlockedUntilFits() => CapWindows.BlockedUntil(Limits, 3, 10, Now, Paris);

    [Benchmark]
    public DateTimeOffset? BlockedUntilFull() => CapWindows.BlockedUntil(Limits, Limits.Daily, Limits.Weekly, Now, Paris);

    /// <summary>What a dispatch pays: the count and the decision.</summary>
    [Benchmark]
    public DateTimeOffset? CountThenBlockedUntil()
    {
        var (today, week) = _counter.Count(ActionType.Message, Now);
        return CapWindows.BlockedUntil(Limits, today, week, Now, Paris);
    }
}
