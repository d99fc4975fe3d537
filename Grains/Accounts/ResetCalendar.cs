namespace OrleansBreaker.Accounts;

/// <summary>
/// Calendar maths of the monthly InMail credit reset (BRIEF §4). Pure: no clock, no state.
/// </summary>
public static class ResetCalendar
{
    /// <summary>Resumes of a reset are spread over at most this much, per account, deterministically.</summary>
    public static readonly TimeSpan MaxJitter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The first reset instant strictly after <paramref name="now"/>: day <paramref name="resetDay"/> of a
    /// month at 00:00 UTC, clamped to the month's last day (a seat that renews on the 31st renews on
    /// the 30th in April and on the 28th or 29th in February).
    /// </summary>
    public static DateTimeOffset NextReset(DateTimeOffset now, int resetDay = 1)
    {
        if (resetDay is < 1 or > 31)
        {
            throw new ArgumentOutOfRangeException(nameof(resetDay), resetDay, "The reset day is a day of the month, 1 to 31.");
        }

        var utc = now.ToUniversalTime();
        var thisMonth = ResetIn(utc.Year, utc.Month, resetDay);
        if (thisMonth > utc)
        {
            return thisMonth;
        }
        var next = new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
        return ResetIn(next.Year, next.Month, resetDay);
    }

    /// <summary>The reset instant of a given month.</summary>
    public static DateTimeOffset ResetIn(int year, int month, int resetDay)
    {
        var day = Math.Min(resetDay, DateTime.DaysInMonth(year, month));
        return new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>
    /// A per-account delay in [0, 5 min) that staggers the work behind a reset so that the cluster and
    /// LinkedIn do not see every tripped account resume in the same second. Stable across processes
    /// (FNV-1a, not <see cref="string.GetHashCode()"/>, which is randomised per process).
    /// </summary>
    public static TimeSpan Jitter(string accountKey) => Jitter(accountKey, MaxJitter);

    /// <summary>The same, spread over <paramref name="spread"/> (at most <see cref="MaxJitter"/>) instead of 5 minutes.</summary>
    public static TimeSpan Jitter(string accountKey, TimeSpan spread)
    {
        var window = (uint)Math.Clamp(spread.TotalMilliseconds, 1, MaxJitter.TotalMilliseconds);
        var hash = 2166136261u;
        foreach (var ch in accountKey)
        {
            hash = (hash ^ ch) * 16777619u;
        }
        return TimeSpan.FromMilliseconds(hash % window);
    }
}
