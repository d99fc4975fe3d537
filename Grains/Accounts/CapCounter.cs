namespace OrleansBreaker.Accounts;

/// <summary>
/// An account's cap counters: deliveries per action type and local day, for the days the daily and
/// weekly windows of <see cref="CapWindows"/> can still see. Held in memory and derived from the event
/// log (never persisted as counters that could drift), so its size does not grow with the account's
/// history: at most six action types times the eight days of a week and a day.
/// </summary>
public sealed class CapCounter
{
    private readonly Dictionary<(ActionType Action, DateOnly Day), int> _perDay = [];

    /// <summary>The latest delivery counted, if any: where pacing starts from.</summary>
    public DateTimeOffset? LastAt { get; private set; }

    /// <summary>How many (action type, local day) counters are held.</summary>
    public int TrackedDays => _perDay.Count;

    /// <summary>The zone whose local days the counts are kept in.</summary>
    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    /// <summary>Replaces the counts with <paramref name="delivered"/>, counted in <paramref name="zone"/>'s days.</summary>
    public void Reset(IEnumerable<DeliveredAction> delivered, TimeZoneInfo zone)
    {
        _perDay.Clear();
        LastAt = null;
        Zone = zone;
        foreach (var d in delivered)
        {
            Add(d.Action, d.At);
        }
    }

    public void Add(ActionType action, DateTimeOffset at)
    {
        var day = LocalDay(at, Zone);
        _perDay[(action, day)] = _perDay.GetValueOrDefault((action, day)) + 1;
        if (LastAt is null || at > LastAt)
        {
            LastAt = at;
        }
    }

    /// <summary>
    /// Deliveries of <paramref name="action"/> in today's and this week's window at <paramref name="now"/>
    /// (BRIEF §2: a day rolls at local midnight, a week on Monday 00:00 local). Also drops days no
    /// window can see any more.
    /// </summary>
    public (int Today, int ThisWeek) Count(ActionType action, DateTimeOffset now)
    {
        var today = LocalDay(now, Zone);
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        Prune(monday.AddDays(-1));
        int day = 0, week = 0;
        for (var d = monday; d <= today; d = d.AddDays(1))
        {
            var count = _perDay.GetValueOrDefault((action, d));
            week += count;
            if (d == today)
            {
                day = count;
            }
        }
        return (day, week);
    }

    private void Prune(DateOnly before)
    {
        if (_perDay.Count <= ActionTypes.All.Count * 8)
        {
            return;
        }
        foreach (var key in _perDay.Keys.Where(k => k.Day < before).ToList())
        {
            _perDay.Remove(key);
        }
    }

    private static DateOnly LocalDay(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
}
