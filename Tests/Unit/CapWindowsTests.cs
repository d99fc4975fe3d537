using System.Globalization;
using OrleansBreaker.Accounts;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Tests.Unit;

public sealed class CapWindowsTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    [Fact]
    public void Defaults_EqualTheBriefsTable()
    {
        var expected = new Dictionary<ActionType, CapLimits>
        {
            [ActionType.Invite] = new(20, 100),
            [ActionType.Message] = new(50, 250),
            [ActionType.InMail] = new(15, 50),
            [ActionType.ViewProfile] = new(80, 400),
            [ActionType.EngagePost] = new(30, 150),
            [ActionType.EndorseSkill] = new(15, 75),
        };

        Assert.Equal(expected.OrderBy(kv => kv.Key), CapWindows.Defaults.OrderBy(kv => kv.Key));
        Assert.Equal(ActionTypes.All.Order(), CapWindows.Defaults.Keys.Order());
    }

    // ---- Days ----

    [Theory]
    // New York in January is UTC-5: local midnight is 05:00Z.
    [InlineData("America/New_York", "2027-01-15T04:59:59Z", "2027-01-14T05:00:00Z", "2027-01-15T05:00:00Z")]
    [InlineData("America/New_York", "2027-01-15T05:00:00Z", "2027-01-15T05:00:00Z", "2027-01-16T05:00:00Z")]
    [InlineData("America/New_York", "2027-01-15T05:30:00Z", "2027-01-15T05:00:00Z", "2027-01-16T05:00:00Z")]
    // New York in July is UTC-4.
    [InlineData("America/New_York", "2027-07-15T03:59:00Z", "2027-07-14T04:00:00Z", "2027-07-15T04:00:00Z")]
    // Tokyo is UTC+9 all year: local midnight is 15:00Z the previous UTC day.
    [InlineData("Asia/Tokyo", "2027-01-14T14:59:59Z", "2027-01-13T15:00:00Z", "2027-01-14T15:00:00Z")]
    [InlineData("Asia/Tokyo", "2027-01-14T15:30:00Z", "2027-01-14T15:00:00Z", "2027-01-15T15:00:00Z")]
    // Paris is UTC+1 in winter, UTC+2 in summer.
    [InlineData("Europe/Paris", "2027-01-14T22:59:00Z", "2027-01-13T23:00:00Z", "2027-01-14T23:00:00Z")]
    [InlineData("Europe/Paris", "2027-01-14T23:00:00Z", "2027-01-14T23:00:00Z", "2027-01-15T23:00:00Z")]
    [InlineData("Europe/Paris", "2027-07-14T22:30:00Z", "2027-07-14T22:00:00Z", "2027-07-15T22:00:00Z")]
    [InlineData("UTC", "2027-01-14T23:59:59Z", "2027-01-14T00:00:00Z", "2027-01-15T00:00:00Z")]
    public void DayStartAndNextDayStart_FollowLocalMidnight(string zoneId, string now, string dayStart, string nextDayStart)
    {
        var zone = Zone(zoneId);

        Assert.Equal(At(dayStart), CapWindows.DayStart(At(now), zone));
        Assert.Equal(At(nextDayStart), CapWindows.NextDayStart(At(now), zone));
    }

    [Fact]
    public void DayStart_IgnoresTheOffsetOfTheInputInstant()
    {
        // The same instant written in three offsets: Jan 15 04:30Z is Jan 14 23:30 in New York.
        var utc = At("2027-01-15T04:30:00Z");
        var inTokyo = utc.ToOffset(TimeSpan.FromHours(9));
        var inParis = utc.ToOffset(TimeSpan.FromHours(1));

        Assert.Equal(At("2027-01-14T05:00:00Z"), CapWindows.DayStart(utc, NewYork));
        Assert.Equal(At("2027-01-14T05:00:00Z"), CapWindows.DayStart(inTokyo, NewYork));
        Assert.Equal(At("2027-01-14T05:00:00Z"), CapWindows.DayStart(inParis, NewYork));
    }

    [Fact]
    public void DayWindows_AreReturnedInUtc()
    {
        Assert.Equal(TimeSpan.Zero, CapWindows.DayStart(At("2027-01-15T12:00:00Z"), Tokyo).Offset);
        Assert.Equal(TimeSpan.Zero, CapWindows.NextWeekStart(At("2027-01-15T12:00:00Z"), Tokyo).Offset);
    }

    // ---- Weeks ----

    [Fact]
    public void WeekStart_OnSundayLateEveningInNewYork_IsThePreviousMonday()
    {
        // Sunday Jan 17 2027 23:30 EST.
        var now = At("2027-01-18T04:30:00Z");

        Assert.Equal(At("2027-01-11T05:00:00Z"), CapWindows.WeekStart(now, NewYork));
        Assert.Equal(At("2027-01-18T05:00:00Z"), CapWindows.NextWeekStart(now, NewYork));
    }

    [Fact]
    public void WeekStart_OnMondayJustAfterMidnightInNewYork_IsThatMonday()
    {
        // Monday Jan 18 2027 00:30 EST.
        var now = At("2027-01-18T05:30:00Z");

        Assert.Equal(At("2027-01-18T05:00:00Z"), CapWindows.WeekStart(now, NewYork));
        Assert.Equal(At("2027-01-25T05:00:00Z"), CapWindows.NextWeekStart(now, NewYork));
    }

    [Theory]
    [InlineData("2027-01-18T05:00:00Z", "2027-01-18T05:00:00Z")] // Monday 00:00 exactly
    [InlineData("2027-01-20T12:00:00Z", "2027-01-18T05:00:00Z")] // Wednesday
    [InlineData("2027-01-23T23:00:00Z", "2027-01-18T05:00:00Z")] // Saturday 18:00
    [InlineData("2027-01-25T04:59:59Z", "2027-01-18T05:00:00Z")] // Sunday 23:59:59
    public void WeekStart_EveryDayOfTheWeek_IsMondayMidnightLocal(string now, string expected)
    {
        var start = CapWindows.WeekStart(At(now), NewYork);

        Assert.Equal(At(expected), start);
        Assert.Equal(DayOfWeek.Monday, TimeZoneInfo.ConvertTime(start, NewYork).DayOfWeek);
        Assert.Equal(TimeSpan.Zero, TimeZoneInfo.ConvertTime(start, NewYork).TimeOfDay);
    }

    [Fact]
    public void WeekStart_InTokyo_WhenUtcIsStillSunday_IsMondayLocal()
    {
        // Sunday Jan 17 2027 16:00Z is Monday Jan 18 01:00 in Tokyo.
        Assert.Equal(At("2027-01-17T15:00:00Z"), CapWindows.WeekStart(At("2027-01-17T16:00:00Z"), Tokyo));
    }

    [Theory]
    // The week of Mon Mar 22 - Sun Mar 28 2027 in Paris; clocks go 02:00 CET -> 03:00 CEST on Sunday Mar 28 (01:00Z).
    [InlineData("2027-03-22T10:00:00Z", "2027-03-21T23:00:00Z", "2027-03-28T22:00:00Z")] // Monday, CET
    [InlineData("2027-03-28T00:30:00Z", "2027-03-21T23:00:00Z", "2027-03-28T22:00:00Z")] // Sunday 01:30 CET, before the jump
    [InlineData("2027-03-28T01:30:00Z", "2027-03-21T23:00:00Z", "2027-03-28T22:00:00Z")] // Sunday 03:30 CEST, after the jump
    [InlineData("2027-03-28T21:59:59Z", "2027-03-21T23:00:00Z", "2027-03-28T22:00:00Z")] // Sunday 23:59:59 CEST
    [InlineData("2027-03-28T22:00:00Z", "2027-03-28T22:00:00Z", "2027-04-04T22:00:00Z")] // Monday Mar 29 00:00 CEST
    [InlineData("2027-03-28T22:30:00Z", "2027-03-28T22:00:00Z", "2027-04-04T22:00:00Z")] // Monday Mar 29 00:30 CEST
    public void WeekStart_AcrossTheSpringDstWeekInParis_IsTheRightMonday(string now, string weekStart, string nextWeekStart)
    {
        Assert.Equal(At(weekStart), CapWindows.WeekStart(At(now), Paris));
        Assert.Equal(At(nextWeekStart), CapWindows.NextWeekStart(At(now), Paris));
    }

    [Fact]
    public void DayWindow_OnTheDstSunday_IsTwentyThreeHoursLong()
    {
        var sundayNoon = At("2027-03-28T10:00:00Z");

        var start = CapWindows.DayStart(sundayNoon, Paris);
        var end = CapWindows.NextDayStart(sundayNoon, Paris);

        Assert.Equal(At("2027-03-27T23:00:00Z"), start);
        Assert.Equal(At("2027-03-28T22:00:00Z"), end);
        Assert.Equal(TimeSpan.FromHours(23), end - start);
    }

    [Fact]
    public void DayWindow_OnTheAutumnDstSunday_IsTwentyFiveHoursLong()
    {
        // Paris: clocks go 03:00 CEST -> 02:00 CET on Sunday Oct 31 2027.
        var sundayNoon = At("2027-10-31T11:00:00Z");

        Assert.Equal(TimeSpan.FromHours(25), CapWindows.NextDayStart(sundayNoon, Paris) - CapWindows.DayStart(sundayNoon, Paris));
    }

    // ---- Count ----

    [Fact]
    public void Count_CountsOnlyTheGivenAction()
    {
        var now = At("2027-01-20T12:00:00Z");
        DeliveredAction[] delivered =
        [
            new(ActionType.InMail, now.AddHours(-1)),
            new(ActionType.Invite, now.AddHours(-1)),
            new(ActionType.Invite, now.AddHours(-2)),
            new(ActionType.Message, now.AddHours(-3)),
        ];

        Assert.Equal((1, 1), CapWindows.Count(delivered, ActionType.InMail, now, TimeZoneInfo.Utc));
        Assert.Equal((2, 2), CapWindows.Count(delivered, ActionType.Invite, now, TimeZoneInfo.Utc));
        Assert.Equal((0, 0), CapWindows.Count(delivered, ActionType.EndorseSkill, now, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Count_IgnoresDeliveriesAfterNow_AndCountsOneExactlyAtNow()
    {
        var now = At("2027-01-20T12:00:00Z");
        DeliveredAction[] delivered =
        [
            new(ActionType.InMail, now),
            new(ActionType.InMail, now.AddTicks(1)),
            new(ActionType.InMail, now.AddHours(1)),
        ];

        Assert.Equal((1, 1), CapWindows.Count(delivered, ActionType.InMail, now, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Count_AcrossLocalMidnightInNewYork_SplitsTodayFromThisWeek()
    {
        // Wednesday Jan 20 2027 00:30 EST; local midnight was 05:00Z.
        var now = At("2027-01-20T05:30:00Z");
        DeliveredAction[] delivered =
        [
            new(ActionType.Invite, At("2027-01-20T05:00:00Z")), // today, exactly at local midnight
            new(ActionType.Invite, At("2027-01-20T05:10:00Z")), // today
            new(ActionType.Invite, At("2027-01-20T04:59:59Z")), // yesterday 23:59:59 local, though the same UTC day
            new(ActionType.Invite, At("2027-01-19T06:00:00Z")), // yesterday
            new(ActionType.Invite, At("2027-01-18T05:00:00Z")), // Monday 00:00 local: this week
            new(ActionType.Invite, At("2027-01-18T04:59:59Z")), // Sunday 23:59:59 local: last week
            new(ActionType.Invite, At("2027-01-12T12:00:00Z")), // last week
        ];

        Assert.Equal((2, 5), CapWindows.Count(delivered, ActionType.Invite, now, NewYork));
    }

    [Fact]
    public void Count_InTokyo_UsesTheLocalDayNotTheUtcDay()
    {
        // 2027-01-20T16:00Z is Thursday Jan 21 01:00 in Tokyo; that local day started at 15:00Z.
        var now = At("2027-01-20T16:00:00Z");
        DeliveredAction[] delivered =
        [
            new(ActionType.Message, At("2027-01-20T14:59:00Z")), // Wednesday 23:59 local
            new(ActionType.Message, At("2027-01-20T15:01:00Z")), // Thursday 00:01 local
        ];

        Assert.Equal((1, 2), CapWindows.Count(delivered, ActionType.Message, now, Tokyo));
        Assert.Equal((2, 2), CapWindows.Count(delivered, ActionType.Message, now, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Count_OfNothing_IsZero()
    {
        Assert.Equal((0, 0), CapWindows.Count([], ActionType.InMail, At("2027-01-20T12:00:00Z"), Paris));
    }

    // ---- BlockedUntil ----

    private static readonly CapLimits Limits = new(Daily: 20, Weekly: 100);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(19, 19)]
    [InlineData(19, 99)]
    public void BlockedUntil_UnderBothCaps_IsNull(int today, int thisWeek)
    {
        Assert.Null(CapWindows.BlockedUntil(Limits, today, thisWeek, At("2027-01-20T12:00:00Z"), NewYork));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(25)]
    public void BlockedUntil_DailyFull_IsNextLocalMidnight(int today)
    {
        // Wednesday Jan 20 2027 07:00 EST.
        Assert.Equal(At("2027-01-21T05:00:00Z"), CapWindows.BlockedUntil(Limits, today, 50, At("2027-01-20T12:00:00Z"), NewYork));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(130)]
    public void BlockedUntil_WeeklyFull_IsNextMondayLocal(int thisWeek)
    {
        // Wednesday Jan 20 2027 07:00 EST; next Monday 00:00 EST is Jan 25 05:00Z.
        Assert.Equal(At("2027-01-25T05:00:00Z"), CapWindows.BlockedUntil(Limits, 5, thisWeek, At("2027-01-20T12:00:00Z"), NewYork));
    }

    [Fact]
    public void BlockedUntil_BothFull_IsTheLaterOfTheTwo()
    {
        Assert.Equal(At("2027-01-25T05:00:00Z"), CapWindows.BlockedUntil(Limits, 20, 100, At("2027-01-20T12:00:00Z"), NewYork));
    }

    [Fact]
    public void BlockedUntil_BothFullOnSundayEvening_IsMondayMidnight()
    {
        // Sunday Jan 24 2027 23:30 EST: the day and the week both roll at Monday 00:00 local.
        Assert.Equal(At("2027-01-25T05:00:00Z"), CapWindows.BlockedUntil(Limits, 20, 100, At("2027-01-25T04:30:00Z"), NewYork));
    }

    [Fact]
    public void BlockedUntil_DailyFullWithWeeklyRoom_IsNotTheWeekEnd()
    {
        var until = CapWindows.BlockedUntil(Limits, 20, 20, At("2027-01-20T12:00:00Z"), NewYork);

        Assert.NotNull(until);
        Assert.True(until < At("2027-01-22T00:00:00Z"));
    }

    [Fact]
    public void BlockedUntil_AlwaysLiesAfterNow()
    {
        var random = new Random(7);
        var zones = new[] { NewYork, Tokyo, Paris, TimeZoneInfo.Utc };
        for (var i = 0; i < 500; i++)
        {
            var now = At("2027-01-01T00:00:00Z").AddMinutes(random.Next(0, 366 * 24 * 60));
            var zone = zones[random.Next(zones.Length)];

            var until = CapWindows.BlockedUntil(Limits, random.Next(15, 25), random.Next(95, 105), now, zone);

            Assert.True(until is null || until > now, $"{until:o} is not after {now:o} in {zone.Id}");
        }
    }
}
