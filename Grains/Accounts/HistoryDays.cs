namespace OrleansBreaker.Accounts;

/// <summary>
/// An account's last days as its history chart shows them: deliveries per action per local day (the account's
/// own time zone, so a day is 23 or 25 hours across DST) and the daily cap that applied, warm-up included. Pure.
/// Caps are today's settings applied to each day: a cap changed since is not remembered.
/// </summary>
public static class HistoryDays
{
    /// <summary>The most days of history one call returns (an account's or a pool's).</summary>
    public const int MaxDays = 31;

    /// <summary>A history is read from the event log at most this often; a dashboard refresh in between costs nothing.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);

    /// <summary>The first instant of the oldest of the last <paramref name="days"/> local days, today included.</summary>
    public static DateTimeOffset Since(DateTimeOffset now, TimeZoneInfo zone, int days) =>
        CapWindows.DayStart(Noon(LocalDate(now, zone).AddDays(1 - days), zone), zone);

    public static IReadOnlyList<HistoryDay> Build(DateTimeOffset now, TimeZoneInfo zone, int days, IEnumerable<DeliveredAction> delivered,
        Func<ActionType, CapLimits> limitsFor, WarmUp? warmUp)
    {
        var today = LocalDate(now, zone);
        var first = today.AddDays(1 - days);
        var sent = new Dictionary<(DateOnly Day, ActionType Action), int>();
        foreach (var d in delivered)
        {
            var day = LocalDate(d.At, zone);
            if (day >= first && day <= today)
            {
                sent[(day, d.Action)] = sent.GetValueOrDefault((day, d.Action)) + 1;
            }
        }
        var actions = Enum.GetValues<ActionType>();
        var warmUpStart = warmUp is null ? (DateOnly?)null : LocalDate(warmUp.StartedAt, zone);
        return [.. Enumerable.Range(0, days).Select(i =>
        {
            var day = first.AddDays(i);
            // Before its warm-up was set, an account ran on its full caps.
            var ramp = day < warmUpStart ? null : warmUp;
            return new HistoryDay(day,
                actions.ToDictionary(a => a, a => sent.GetValueOrDefault((day, a))),
                actions.ToDictionary(a => a, a => WarmUpRamp.Effective(limitsFor(a), ramp, Noon(day, zone), zone).Daily));
        })];
    }

    private static DateOnly LocalDate(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    // Noon is never skipped or repeated by a DST change: an instant surely on that local day.
    private static DateTimeOffset Noon(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(new TimeOnly(12, 0));
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
