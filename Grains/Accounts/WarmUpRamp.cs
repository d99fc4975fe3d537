namespace OrleansBreaker.Accounts;

/// <summary>
/// BRIEF §12: a new account's effective caps ramp linearly from 20 % (at least 1) on the first local day
/// of its warm-up to 100 % on the last. Days are calendar days in the account's own time zone, counted
/// from the local day the warm-up was set on, so a day is a day across DST changes (23 or 25 hours).
/// Pure: callers pass the instant and the zone.
/// </summary>
public static class WarmUpRamp
{
    /// <summary>The share of the full cap on the first day.</summary>
    public const double FirstDayShare = 0.2;

    /// <summary>The warm-up's day at <paramref name="now"/>: 1 on the local day it was set, then one more per local day.</summary>
    public static int Day(DateTimeOffset startedAt, DateTimeOffset now, TimeZoneInfo zone) =>
        LocalDate(now, zone).DayNumber - LocalDate(startedAt, zone).DayNumber + 1;

    /// <summary>Whether the ramp still lowers caps at <paramref name="now"/> (days 1 to N-1; day N is the full cap).</summary>
    public static bool Ramping(WarmUp warmUp, DateTimeOffset now, TimeZoneInfo zone) => Day(warmUp.StartedAt, now, zone) < warmUp.Days;

    /// <summary>The effective cap on <paramref name="day"/> of a warm-up of <paramref name="days"/>: 0 (disabled) stays 0.</summary>
    public static int Cap(int full, int day, int days)
    {
        if (full <= 0 || days <= 1 || day >= days)
        {
            return full;
        }
        var share = FirstDayShare + (1 - FirstDayShare) * (Math.Max(day, 1) - 1) / (days - 1);
        return Math.Clamp((int)Math.Floor(full * share), 1, full);
    }

    /// <summary>The effective daily and weekly caps at <paramref name="now"/>; the full ones without a warm-up.</summary>
    public static CapLimits Effective(CapLimits full, WarmUp? warmUp, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (warmUp is null)
        {
            return full;
        }
        var day = Day(warmUp.StartedAt, now, zone);
        return new CapLimits(Cap(full.Daily, day, warmUp.Days), Cap(full.Weekly, day, warmUp.Days));
    }

    private static DateOnly LocalDate(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
}
