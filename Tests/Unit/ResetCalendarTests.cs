using System.Globalization;
using OrleansBreaker.Accounts;

namespace OrleansBreaker.Tests.Unit;

public sealed class ResetCalendarTests
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    [Theory]
    [InlineData("2027-01-31T12:00:00Z", "2027-02-01T00:00:00Z")]
    [InlineData("2027-01-31T23:59:59.9999999Z", "2027-02-01T00:00:00Z")]
    [InlineData("2027-02-28T23:00:00Z", "2027-03-01T00:00:00Z")]
    [InlineData("2027-04-30T23:59:00Z", "2027-05-01T00:00:00Z")]
    [InlineData("2027-01-01T00:00:00.0000001Z", "2027-02-01T00:00:00Z")]
    [InlineData("2027-06-15T08:30:00Z", "2027-07-01T00:00:00Z")]
    public void NextReset_WithDefaultDay_IsFirstOfNextMonth(string now, string expected)
    {
        Assert.Equal(At(expected), ResetCalendar.NextReset(At(now)));
    }

    [Theory]
    [InlineData("2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z")]
    [InlineData("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("2027-12-15T10:00:00Z", "2028-01-01T00:00:00Z")]
    public void NextReset_InDecember_IsFirstOfJanuaryOfNextYear(string now, string expected)
    {
        Assert.Equal(At(expected), ResetCalendar.NextReset(At(now)));
    }

    [Theory]
    [InlineData("2027-03-01T00:00:00Z", 1, "2027-04-01T00:00:00Z")]
    [InlineData("2027-01-01T00:00:00Z", 1, "2027-02-01T00:00:00Z")]
    [InlineData("2027-03-15T00:00:00Z", 15, "2027-04-15T00:00:00Z")]
    [InlineData("2027-02-28T00:00:00Z", 31, "2027-03-31T00:00:00Z")]
    [InlineData("2028-02-29T00:00:00Z", 30, "2028-03-30T00:00:00Z")]
    public void NextReset_ExactlyAtTheResetInstant_IsTheNextMonthsReset(string now, int resetDay, string expected)
    {
        Assert.Equal(At(expected), ResetCalendar.NextReset(At(now), resetDay));
    }

    [Theory]
    [InlineData(29, "2028-02-29T00:00:00Z")]
    [InlineData(30, "2028-02-29T00:00:00Z")]
    [InlineData(31, "2028-02-29T00:00:00Z")]
    [InlineData(28, "2028-02-28T00:00:00Z")]
    public void NextReset_InLeapFebruary_ClampsToThe29th(int resetDay, string expected)
    {
        Assert.Equal(At(expected), ResetCalendar.NextReset(At("2028-02-10T00:00:00Z"), resetDay));
    }

    [Theory]
    [InlineData(29, "2027-02-28T00:00:00Z")]
    [InlineData(30, "2027-02-28T00:00:00Z")]
    [InlineData(31, "2027-02-28T00:00:00Z")]
    [InlineData(28, "2027-02-28T00:00:00Z")]
    public void NextReset_InCommonFebruary_ClampsToThe28th(int resetDay, string expected)
    {
        Assert.Equal(At(expected), ResetCalendar.NextReset(At("2027-02-10T00:00:00Z"), resetDay));
    }

    [Theory]
    [InlineData("2027-01-31T12:00:00Z", 31, "2027-02-28T00:00:00Z")]
    [InlineData("2028-01-31T12:00:00Z", 31, "2028-02-29T00:00:00Z")]
    [InlineData("2027-03-31T12:00:00Z", 31, "2027-04-30T00:00:00Z")]
    [InlineData("2027-04-30T12:00:00Z", 31, "2027-05-31T00:00:00Z")]
    [InlineData("2027-02-28T12:00:00Z", 30, "2027-03-30T00:00:00Z")]
    public void NextReset_AfterAClampedMonth_ReturnsToTheAnchorDay(string now, int resetDay, string expected)
    {
        Assert.Equal(At(expected), ResetCalendar.NextReset(At(now), resetDay));
    }

    [Theory]
    [InlineData("2027-05-14T23:59:59Z", "2027-05-15T00:00:00Z")]
    [InlineData("2027-05-01T00:00:00Z", "2027-05-15T00:00:00Z")]
    [InlineData("2027-05-15T00:00:01Z", "2027-06-15T00:00:00Z")]
    [InlineData("2027-05-31T12:00:00Z", "2027-06-15T00:00:00Z")]
    [InlineData("2027-12-20T00:00:00Z", "2028-01-15T00:00:00Z")]
    public void NextReset_WithResetDay15_IsThisMonthBeforeThe15thAndNextMonthAfter(string now, string expected)
    {
        Assert.Equal(At(expected), ResetCalendar.NextReset(At(now), 15));
    }

    [Theory]
    // 01:00 on Jan 1st in UTC+2 is still Dec 31st in UTC: the reset of Jan 1st has not happened yet.
    [InlineData("2027-01-01T01:00:00+02:00", 1, "2027-01-01T00:00:00Z")]
    // 20:00 on Jan 31st in UTC-5 is already Feb 1st 01:00 UTC: past Feb 1st's reset.
    [InlineData("2027-01-31T20:00:00-05:00", 1, "2027-03-01T00:00:00Z")]
    // 19:00 on Jan 31st in UTC-5 is exactly Feb 1st 00:00 UTC: strictly after, so March.
    [InlineData("2027-01-31T19:00:00-05:00", 1, "2027-03-01T00:00:00Z")]
    [InlineData("2027-01-31T18:59:59-05:00", 1, "2027-02-01T00:00:00Z")]
    [InlineData("2027-05-15T08:00:00+09:00", 15, "2027-05-15T00:00:00Z")]
    [InlineData("2027-05-15T09:00:00+09:00", 15, "2027-06-15T00:00:00Z")]
    public void NextReset_WithNonUtcOffset_ComparesInstantsInUtc(string now, int resetDay, string expected)
    {
        var next = ResetCalendar.NextReset(At(now), resetDay);

        Assert.Equal(At(expected), next);
        Assert.Equal(TimeSpan.Zero, next.Offset);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(32)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void NextReset_WithInvalidResetDay_Throws(int resetDay)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ResetCalendar.NextReset(At("2027-01-10T00:00:00Z"), resetDay));
        Assert.Equal("resetDay", ex.ParamName);
    }

    [Fact]
    public void NextReset_IsAlwaysStrictlyAfterNowAndAtMidnightUtc()
    {
        var random = new Random(20270101);
        var start = At("2026-01-01T00:00:00Z");
        for (var i = 0; i < 2000; i++)
        {
            var now = start + TimeSpan.FromMinutes(random.Next(0, 3 * 366 * 24 * 60));
            var resetDay = random.Next(1, 32);

            var next = ResetCalendar.NextReset(now, resetDay);

            Assert.True(next > now, $"{next:o} is not after {now:o} (day {resetDay})");
            Assert.True(next - now <= TimeSpan.FromDays(31), $"{next:o} is more than a month after {now:o} (day {resetDay})");
            Assert.Equal(TimeSpan.Zero, next.TimeOfDay);
            Assert.Equal(Math.Min(resetDay, DateTime.DaysInMonth(next.Year, next.Month)), next.Day);
        }
    }

    [Fact]
    public void Jitter_ForTheSameKey_IsDeterministic()
    {
        Assert.Equal(ResetCalendar.Jitter("ws-1/acc-42"), ResetCalendar.Jitter("ws-1/acc-42"));
        Assert.Equal(ResetCalendar.Jitter(""), ResetCalendar.Jitter(""));
    }

    [Fact]
    public void Jitter_IsStableAcrossProcesses()
    {
        // FNV-1a of "acc" is 0x424A669A = 1112172186; 1112172186 mod 300000 ms = 72186 ms. A per-process
        // hash (string.GetHashCode) would make this value change between runs and silos.
        Assert.Equal(TimeSpan.FromMilliseconds(72186), ResetCalendar.Jitter("acc"));
    }

    [Fact]
    public void Jitter_ForManyKeys_IsWithinZeroToFiveMinutesAndSpread()
    {
        var values = Enumerable.Range(0, 100).Select(i => ResetCalendar.Jitter($"workspace-7/account-{i}")).ToList();

        Assert.All(values, v => Assert.InRange(v, TimeSpan.Zero, TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1)));
        Assert.True(values.Distinct().Count() >= 95, $"only {values.Distinct().Count()} distinct jitters out of 100");
        // Spread over the window, not bunched at one end.
        Assert.Contains(values, v => v < TimeSpan.FromMinutes(1));
        Assert.Contains(values, v => v > TimeSpan.FromMinutes(4));
    }

    [Fact]
    public void Jitter_NeverReachesFiveMinutes()
    {
        for (var i = 0; i < 5000; i++)
        {
            Assert.True(ResetCalendar.Jitter($"k{i}") < ResetCalendar.MaxJitter);
        }
        Assert.Equal(TimeSpan.FromMinutes(5), ResetCalendar.MaxJitter);
    }

    [Fact]
    public void Jitter_WithSmallerSpread_StaysWithinThatSpread()
    {
        var spread = TimeSpan.FromSeconds(10);
        var values = Enumerable.Range(0, 200).Select(i => ResetCalendar.Jitter($"a{i}", spread)).ToList();

        Assert.All(values, v => Assert.InRange(v, TimeSpan.Zero, spread - TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void Jitter_WithSpreadAboveFiveMinutes_IsClampedToFiveMinutes()
    {
        var values = Enumerable.Range(0, 500).Select(i => ResetCalendar.Jitter($"a{i}", TimeSpan.FromHours(1))).ToList();

        Assert.All(values, v => Assert.True(v < ResetCalendar.MaxJitter));
    }
}
