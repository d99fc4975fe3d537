namespace OrleansBreaker.Accounts;

internal sealed partial class AccountGrain
{
    private (DateTimeOffset At, int Days, AccountHistory History)? _history;

    public async Task<AccountHistory> GetHistoryAsync(int days)
    {
        days = Math.Clamp(days, 1, HistoryDays.MaxDays);
        var now = time.GetUtcNow();
        if (_history is { } known && known.Days == days && now - known.At < HistoryDays.Refresh)
        {
            return known.History;
        }
        if (!S.Exists)
        {
            return new AccountHistory(TimeZoneInfo.Utc.Id, [], []);
        }
        var since = HistoryDays.Since(now, _account.Zone, days);
        var delivered = eventLog.ReadDeliveredSinceAsync(_workspaceId, _accountId, since);
        var marks = eventLog.ReadBreakerMarksSinceAsync(_workspaceId, _accountId, since);
        var history = new AccountHistory(S.TimeZone, HistoryDays.Build(now, _account.Zone, days, await delivered, S.LimitsFor, S.WarmUp), await marks);
        _history = (now, days, history);
        return history;
    }
}
