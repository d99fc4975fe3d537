using OrleansBreaker.Accounts;

namespace OrleansBreaker.Tests.Unit;

/// <summary>BRIEF §12: the warm-up's ramp by local day, from 20 % (at least 1) on day 1 to the full cap on day N.</summary>
public sealed class WarmUpRampTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DateTimeOffset Local(TimeZoneInfo zone, int year, int month, int day, int hour, int minute)
    {
        var local = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    [Theory]
    [InlineData(20, 1, 21, 4)]   // 20 % on the first day
    [InlineData(20, 11, 21, 12)] // halfway: 60 %
    [InlineData(20, 20, 21, 19)]
    [InlineData(20, 21, 21, 20)] // the last day: the full cap
    [InlineData(20, 30, 21, 20)] // after it
    [InlineData(3, 1, 21, 1)]    // 20 % of 3 rounds to 0: at least 1
    [InlineData(0, 1, 21, 0)]    // a disabled action stays disabled
    [InlineData(100, 1, 1, 100)] // a one-day warm-up ramps nothing
    public void TheCap_RampsLinearlyFromAFifth_AtLeastOne_ToTheFullCapOnTheLastDay(int full, int day, int days, int expected) =>
        Assert.Equal(expected, WarmUpRamp.Cap(full, day, days));

    [Fact]
    public void TheCap_NeverFallsFromOneDayToTheNext_NorExceedsTheFullCap()
    {
        foreach (var full in new[] { 1, 7, 20, 80, 1000 })
        {
            var caps = Enumerable.Range(1, 30).Select(d => WarmUpRamp.Cap(full, d, 21)).ToList();
            Assert.Equal(caps.Order(), caps);
            Assert.All(caps, c => Assert.InRange(c, 1, full));
        }
    }

    [Fact]
    public void Days_AreLocalCalendarDays_ChangingAtLocalMidnight()
    {
        var started = Local(Paris, 2026, 6, 10, 0, 10);
        Assert.Equal(1, WarmUpRamp.Day(started, Local(Paris, 2026, 6, 10, 23, 59), Paris));
        Assert.Equal(2, WarmUpRamp.Day(started, Local(Paris, 2026, 6, 11, 0, 0), Paris));
        // Set late in the evening: the next local morning is already day 2.
        var evening = Local(NewYork, 2026, 6, 10, 23, 30);
        Assert.Equal(2, WarmUpRamp.Day(evening, Local(NewYork, 2026, 6, 11, 0, 5), NewYork));
        // In UTC it is still the 11th at 03:30 for both, but New York's local date decides.
        Assert.Equal(1, WarmUpRamp.Day(evening, evening.AddMinutes(29), NewYork));
    }

    [Fact]
    public void Days_CountAcrossDaylightSavingChanges_AsCalendarDays()
    {
        // Paris springs forward on 2026-03-29 (a 23-hour day) and falls back on 2026-10-25 (25 hours).
        var beforeSpring = Local(Paris, 2026, 3, 28, 23, 30);
        Assert.Equal(2, WarmUpRamp.Day(beforeSpring, Local(Paris, 2026, 3, 29, 23, 30), Paris)); // 23 hours later
        Assert.Equal(3, WarmUpRamp.Day(beforeSpring, Local(Paris, 2026, 3, 30, 0, 0), Paris));
        var beforeAutumn = Local(Paris, 2026, 10, 25, 0, 30);
        Assert.Equal(1, WarmUpRamp.Day(beforeAutumn, beforeAutumn.AddHours(24), Paris)); // 23:30 local: the same 25-hour day
        Assert.Equal(2, WarmUpRamp.Day(beforeAutumn, beforeAutumn.AddHours(25), Paris)); // 00:30 the next day
    }

    [Fact]
    public void EffectiveCaps_WithoutAWarmUp_AreTheFullCaps_AndWithOne_RampBoth()
    {
        var full = new CapLimits(20, 100);
        var now = Local(Paris, 2026, 6, 10, 12, 0);
        Assert.Equal(full, WarmUpRamp.Effective(full, null, now, Paris));
        Assert.Equal(new CapLimits(4, 20), WarmUpRamp.Effective(full, new WarmUp(21, now), now, Paris));
        Assert.False(WarmUpRamp.Ramping(new WarmUp(21, now), now.AddDays(20), Paris));
        Assert.True(WarmUpRamp.Ramping(new WarmUp(21, now), now.AddDays(19), Paris));
    }
}
