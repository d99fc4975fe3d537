using OrleansBreaker.Accounts;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Tests.Unit;

public sealed class HistoryDaysTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    // 2026-03-08 is the day New York springs forward (23 hours long); "now" is the next afternoon.
    private static readonly DateTimeOffset Now = new(2026, 3, 9, 15, 0, 0, TimeSpan.Zero);

    private static CapLimits Limits(ActionType action) => action == ActionType.Invite ? new CapLimits(20, 100) : new CapLimits(50, 250);

    [Fact]
    public void Deliveries_FallOnTheAccountsLocalDays_AcrossADstChange()
    {
        DeliveredAction[] delivered =
        [
            new(ActionType.Invite, new(2026, 3, 8, 4, 30, 0, TimeSpan.Zero)),   // 23:30 on the 7th in New York (EST)
            new(ActionType.Invite, new(2026, 3, 8, 5, 30, 0, TimeSpan.Zero)),   // 00:30 on the 8th
            new(ActionType.Invite, new(2026, 3, 9, 3, 59, 0, TimeSpan.Zero)),   // 23:59 on the 8th (EDT now)
            new(ActionType.Message, new(2026, 3, 9, 4, 0, 0, TimeSpan.Zero)),   // 00:00 on the 9th
            new(ActionType.Invite, new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)),   // before the window
        ];

        var days = HistoryDays.Build(Now, NewYork, 3, delivered, Limits, warmUp: null);

        Assert.Equal([new DateOnly(2026, 3, 7), new DateOnly(2026, 3, 8), new DateOnly(2026, 3, 9)], days.Select(d => d.Day));
        Assert.Equal([1, 2, 0], days.Select(d => d.Sent[ActionType.Invite]));
        Assert.Equal([0, 0, 1], days.Select(d => d.Sent[ActionType.Message]));
        Assert.All(days, d => Assert.Equal(20, d.DailyCap[ActionType.Invite]));
    }

    [Fact]
    public void Since_IsTheLocalMidnightThatOpensTheOldestDay()
    {
        // The 7th opens at 05:00 UTC (EST, UTC-5).
        Assert.Equal(new DateTimeOffset(2026, 3, 7, 5, 0, 0, TimeSpan.Zero), HistoryDays.Since(Now, NewYork, 3));
    }

    [Fact]
    public void TheCapOfEachDay_IsTheWarmUpsRampOnThatDay_AndTheFullCapBeforeTheWarmUpWasSet()
    {
        var warmUp = new WarmUp(11, new DateTimeOffset(2026, 3, 8, 14, 0, 0, TimeSpan.Zero));

        var days = HistoryDays.Build(Now, NewYork, 3, [], Limits, warmUp);

        // 7th: before the warm-up, full (20). 8th: day 1 of 11, 20 % = 4. 9th: day 2, 28 % = 5.
        Assert.Equal([20, 4, 5], days.Select(d => d.DailyCap[ActionType.Invite]));
    }
}
