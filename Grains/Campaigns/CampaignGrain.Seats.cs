namespace OrleansBreaker.Campaigns;

/// <summary>
/// What the dashboard shows of a campaign beyond its view: the prospects each pool account holds and why
/// prospects wait. Both come from one grouped count of the store, read at most every <see cref="CountsRefresh"/>,
/// so a page refreshed by many people costs one query per few seconds.
/// </summary>
internal sealed partial class CampaignGrain
{
    internal static readonly TimeSpan CountsRefresh = TimeSpan.FromSeconds(5);

    private (DateTimeOffset At, IReadOnlyList<SeatReasonCount> Counts)? _seatCounts;
    private Task<IReadOnlyList<SeatReasonCount>>? _countingSeats;

    public async Task<IReadOnlyList<PoolSeatCount>> GetPoolSeatsAsync()
    {
        if (!S.Exists)
        {
            return [];
        }
        var bound = (await SeatCountsAsync()).Where(c => c.AccountId is not null)
            .GroupBy(c => c.AccountId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(c => c.Count), StringComparer.Ordinal);
        var pool = S.Accounts;
        // The pool in its order, then accounts that left it but still hold conversations.
        return [.. pool.Select(a => new PoolSeatCount(a, bound.GetValueOrDefault(a), InPool: true)),
            .. bound.Keys.Where(a => !pool.Contains(a, StringComparer.Ordinal)).Order(StringComparer.Ordinal).Select(a => new PoolSeatCount(a, bound[a], InPool: false))];
    }

    public async Task<IReadOnlyDictionary<Reason, int>> GetWaitingByReasonAsync()
    {
        if (!S.Exists)
        {
            return new Dictionary<Reason, int>();
        }
        var counts = await SeatCountsAsync();
        if (!S.Active)
        {
            // As the prospect list shows them: every open prospect of a paused campaign waits for the campaign.
            var open = counts.Where(c => c.Status is ProspectStatus.Due or ProspectStatus.Waiting).Sum(c => c.Count);
            return open == 0 ? new Dictionary<Reason, int>() : new Dictionary<Reason, int> { [Reason.CampaignPaused] = open };
        }
        return counts.Where(c => c.Status == ProspectStatus.Waiting)
            .GroupBy(c => c.Reason).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
    }

    public async Task<PoolHistory> GetPoolHistoryAsync(int days)
    {
        days = Math.Clamp(days, 1, Accounts.HistoryDays.MaxDays);
        var now = time.GetUtcNow();
        if (_poolHistory is { } known && known.History.Days.Count == days && now - known.At < Accounts.HistoryDays.Refresh)
        {
            return known.History;
        }
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var first = today.AddDays(1 - days);
        var counts = S.Exists
            ? await eventLog.CountCampaignSentAsync(_workspaceId, _campaignId, new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero))
            : [];
        var accounts = S.Accounts.Concat(counts.Select(c => c.AccountId)).Distinct(StringComparer.Ordinal).ToList();
        var perAccount = accounts.ToDictionary(a => a, _ => new int[days], StringComparer.Ordinal);
        foreach (var c in counts)
        {
            var i = c.Day.DayNumber - first.DayNumber;
            if (i >= 0 && i < days)
            {
                perAccount[c.AccountId][i] += c.Count;
            }
        }
        var history = new PoolHistory([.. Enumerable.Range(0, days).Select(first.AddDays)],
            perAccount.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value, StringComparer.Ordinal));
        _poolHistory = (now, history);
        return history;
    }

    private (DateTimeOffset At, PoolHistory History)? _poolHistory;

    /// <summary>The grouped count, shared by concurrent callers and kept for <see cref="CountsRefresh"/>.</summary>
    private async Task<IReadOnlyList<SeatReasonCount>> SeatCountsAsync()
    {
        var now = time.GetUtcNow();
        if (_seatCounts is { } known && now - known.At < CountsRefresh)
        {
            return known.Counts;
        }
        var counting = _countingSeats ??= store.CountBySeatAsync(_key);
        try
        {
            var counts = await counting;
            _seatCounts = (now, counts);
            return counts;
        }
        finally
        {
            if (ReferenceEquals(_countingSeats, counting))
            {
                _countingSeats = null;
            }
        }
    }
}
