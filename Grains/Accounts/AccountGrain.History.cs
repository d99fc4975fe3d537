namespace OrleansBreaker.Accounts;

internal sealed partial class AccountGrain
{
    /// <summary>The most days of history one call returns.</summary>
    internal const int MaxHistoryDays = 31;
    /// <summary>A history is read from the event log at most this often; a dashboard refresh in between costs nothing.</summary>
    private static readonly TimeSpan HistoryRefresh = TimeSpan.FromSeconds(30);

    private (DateTimeOffset At, int Days, AccountHistory History)? _history;

    public async Task<AccountHistory> GetHistoryAsync(int days)
    {
        days = Math.Clamp(days, 1, MaxHistoryDays);
        var now = time.GetUtcNow();
        if (_history is { } known && known.Days == days && now - known.At < HistoryRefresh)
        {
            return known.History;
        }
        if (!S.Exists)
        {
            return new AccountHistory(TimeZoneInfo.Utc.Id, [], []);
        }
        var since = HistoryDays.Since(now, _zone, days);
        var delivered = eventLog.ReadDeliveredSinceAsync(_workspaceId, _accountId, since);
        var marks = eventLog.ReadBreakerMarksSinceAsync(_workspaceId, _accountId, since);
        var history = new AccountHistory(S.TimeZone, HistoryDays.Build(now, _zone, days, await delivered, S.LimitsFor, S.WarmUp), await marks);
        _history = (now, days, history);
        return history;
    }
}
