namespace OrleansBreaker.EventLog;

/// <summary>
/// The embedded default's event log: a process-wide list guarded by a lock. Meets the same
/// contract tests as the PostgreSQL log. Unbounded by design (a demo or a test), not for production.
/// </summary>
public sealed class InMemoryEventLog : IEventLog
{
    private readonly Lock _gate = new();
    private readonly List<EventRecord> _events = [];
    private long _seq;

    public Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var stored = new EventRecord[events.Count];
        lock (_gate)
        {
            for (var i = 0; i < events.Count; i++)
            {
                stored[i] = events[i] with { Seq = ++_seq };
                _events.Add(stored[i]);
            }
        }
        return Task.FromResult<IReadOnlyList<EventRecord>>(stored);
    }

    public Task<EventPage> ReadCampaignAsync(string workspaceId, string campaignId, ActivityQuery query, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(query.Limit, 1, 500);
        List<EventRecord> page;
        lock (_gate)
        {
            page = [.. Newest(e => e.WorkspaceId == workspaceId && e.CampaignId == campaignId
                    && (query.Kind is null || e.Kind == query.Kind)
                    && (query.Reason is null || e.Reason == query.Reason)
                    && (query.Before is null || e.Seq < query.Before))
                .Take(limit + 1)];
        }
        var next = page.Count > limit ? page[limit - 1].Seq : (long?)null;
        return Task.FromResult(new EventPage(page.Take(limit).ToList(), next));
    }

    public Task<EventRecord?> FindSuccessSinceAsync(string workspaceId, string accountId, ActionType action, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_events
                .Where(e => e.Kind == EventKind.Sent && e.WorkspaceId == workspaceId && e.AccountId == accountId && e.Action == action && e.At >= since)
                .OrderBy(e => e.At)
                .FirstOrDefault());
        }
    }

    public Task<IReadOnlyList<DeliveredAction>> ReadDeliveredSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<DeliveredAction> delivered = _events
                .Where(e => e.Kind == EventKind.Sent && e.WorkspaceId == workspaceId && e.AccountId == accountId && e.Action is not null && e.At >= since)
                .Select(e => new DeliveredAction(e.Action!.Value, e.At))
                .ToList();
            return Task.FromResult(delivered);
        }
    }

    public Task<EventRecord?> FindByKeyAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(Newest(e => e.Key == key && e.WorkspaceId == workspaceId && e.AccountId == accountId).FirstOrDefault());
        }
    }

    private IEnumerable<EventRecord> Newest(Func<EventRecord, bool> predicate)
    {
        for (var i = _events.Count - 1; i >= 0; i--)
        {
            if (predicate(_events[i]))
            {
                yield return _events[i];
            }
        }
    }
}
