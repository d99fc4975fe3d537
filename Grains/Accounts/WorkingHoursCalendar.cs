namespace OrleansBreaker.Accounts;

/// <summary>Working hours in the account's time zone (BRIEF §8). Pure.</summary>
public static class WorkingHoursCalendar
{
    /// <summary>
    /// Null when <paramref name="now"/> is inside the working hours (or there are none: 24/7); otherwise
    /// the next instant they open. An empty day list means every day; Start == End means all day.
    /// </summary>
    public static DateTimeOffset? NextOpening(DateTimeOffset now, TimeZoneInfo zone, WorkingHours? hours)
    {
        if (hours is null)
        {
            return null;
        }
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var allDay = hours.Start == hours.End;
        for (var d = 0; d <= 7; d++)
        {
            var date = local.Date.AddDays(d);
            if (hours.Days.Count > 0 && !hours.Days.Contains(date.DayOfWeek))
            {
                continue;
            }
            var open = date + hours.Start.ToTimeSpan();
            var close = allDay ? date.AddDays(1) : date + hours.End.ToTimeSpan();
            if (close <= open)
            {
                close = close.AddDays(1); // a window that crosses midnight, e.g. 22:00-02:00
            }
            if (d == 0 && local.DateTime >= open && local.DateTime < close)
            {
                return null;
            }
            if (d == 0 && local.DateTime < open || d > 0)
            {
                return ToUtc(open, zone);
            }
        }
        return null;
    }

    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(30);
        }
        return new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified)).ToUniversalTime();
    }
}
