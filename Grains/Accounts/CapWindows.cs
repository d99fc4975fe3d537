namespace OrleansBreaker.Accounts;

/// <summary>
/// Daily and weekly cap windows in the account's time zone (BRIEF §2): a day rolls at local
/// midnight, a week on Monday 00:00 local. Pure: callers pass the instant and the zone.
/// </summary>
public static class CapWindows
{
    /// <summary>The defaults of BRIEF §2, used where an account has no override.</summary>
    public static readonly IReadOnlyDictionary<ActionType, CapLimits> Defaults = new Dictionary<ActionType, CapLimits>
    {
        [ActionType.Invite] = new(20, 100),
        [ActionType.Message] = new(50, 250),
        [ActionType.InMail] = new(15, 50),
        [ActionType.ViewProfile] = new(80, 400),
        [ActionType.EngagePost] = new(30, 150),
        [ActionType.EndorseSkill] = new(15, 75),
    };

    public static DateTimeOffset DayStart(DateTimeOffset now, TimeZoneInfo zone) => LocalMidnight(now, zone, 0);

    public static DateTimeOffset NextDayStart(DateTimeOffset now, TimeZoneInfo zone) => LocalMidnight(now, zone, 1);

    public static DateTimeOffset WeekStart(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var sinceMonday = ((int)local.DayOfWeek + 6) % 7;
        return LocalMidnight(now, zone, -sinceMonday);
    }

    public static DateTimeOffset NextWeekStart(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var sinceMonday = ((int)local.DayOfWeek + 6) % 7;
        return LocalMidnight(now, zone, 7 - sinceMonday);
    }

    /// <summary>
    /// Decides whether one more <paramref name="action"/> fits the caps. Returns null when it fits, else
    /// the instant the blocking window rolls (the later of the two when both are full).
    /// </summary>
    public static DateTimeOffset? BlockedUntil(CapLimits limits, int today, int thisWeek, DateTimeOffset now, TimeZoneInfo zone)
    {
        DateTimeOffset? until = null;
        if (thisWeek >= limits.Weekly)
        {
            until = NextWeekStart(now, zone);
        }
        if (today >= limits.Daily)
        {
            var day = NextDayStart(now, zone);
            until = until is null || day > until ? day : until;
        }
        return until;
    }

    /// <summary>Counts deliveries of <paramref name="action"/> in today's and this week's window.</summary>
    public static (int Today, int ThisWeek) Count(IEnumerable<DeliveredAction> delivered, ActionType action, DateTimeOffset now, TimeZoneInfo zone)
    {
        var day = DayStart(now, zone);
        var week = WeekStart(now, zone);
        int today = 0, thisWeek = 0;
        foreach (var d in delivered)
        {
            if (d.Action != action || d.At > now)
            {
                continue;
            }
            if (d.At >= week)
            {
                thisWeek++;
            }
            if (d.At >= day)
            {
                today++;
            }
        }
        return (today, thisWeek);
    }

    // Local midnight of the day `days` away from now's local date. A zone whose midnight is
    // skipped by a DST jump (e.g. America/Santiago) starts that day at the first valid instant.
    private static DateTimeOffset LocalMidnight(DateTimeOffset now, TimeZoneInfo zone, int days)
    {
        var localDate = TimeZoneInfo.ConvertTime(now, zone).Date.AddDays(days);
        var midnight = DateTime.SpecifyKind(localDate, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(midnight))
        {
            midnight = midnight.AddMinutes(30);
        }
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).ToUniversalTime();
    }
}
