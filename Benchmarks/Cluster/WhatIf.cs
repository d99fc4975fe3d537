using OrleansBreaker.EventLog;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Profiling only (<c>--what-if</c>): the same measurement with one proposed production fix applied in
/// the benchmark's own wiring, to size the fix before anyone makes it. A what-if run says so in its
/// summary; its figures are never the product's.
/// </summary>
public static class WhatIf
{
    /// <summary>The embedded memory store serialises state with the Orleans serializer (as <c>UseBreakerPostgres</c> does), not Orleans' default JSON.</summary>
    public const string StoreSerializer = "store-serializer";

    /// <summary>The in-memory event log, indexed by idempotency key and by account (<see cref="IndexedEventLog"/>).</summary>
    public const string IndexedLog = "indexed-log";

    /// <summary>The silos' PostgreSQL connection string gets <c>No Reset On Close=true</c>: no <c>DISCARD ALL</c> per pooled use.</summary>
    public const string NoResetOnClose = "no-reset-on-close";

    /// <summary>The silos' PostgreSQL connection string gets <c>Max Auto Prepare=32</c>: Npgsql prepares the statements it sees repeatedly.</summary>
    public const string AutoPrepare = "auto-prepare";

    public static readonly IReadOnlyList<string> All = [StoreSerializer, IndexedLog, NoResetOnClose, AutoPrepare];
}

/// <summary>
/// The in-memory event log with the lookups the account grain makes on every dispatch answered from
/// indexes instead of a walk of the whole log: the fix proposed for <see cref="InMemoryEventLog"/>.
/// Same contract; <see cref="ReadCampaignAsync"/> (the Activity tab, off the dispatch path) stays a walk.
/// </summary>
internal sealed class IndexedEventLog : IEventLog
{
    private readonly Lock _gate = new();
    private readonly List<EventRecord> _events = [];
    private readonly Dictionary<(string, string, string), EventRecord> _byKey = [];
    private readonly Dictionary<(string, string), List<EventRecord>> _sentByAccount = [];
    private long _seq;

    public Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default)
    {
        var stored = new EventRecord[events.Count];
        lock (_gate)
        {
            for (var i = 0; i < events.Count; i++)
            {
                var e = stored[i] = events[i] with { Seq = ++_seq };
                _events.Add(e);
                if (e.Key is not null && e.AccountId is not null)
                {
                    _byKey[(e.WorkspaceId, e.AccountId, e.Key)] = e;
                }
                if (e.Kind == EventKind.Sent && e.AccountId is not null && e.Action is not null)
                {
                    if (!_sentByAccount.TryGetValue((e.WorkspaceId, e.AccountId), out var sent))
                    {
                        _sentByAccount[(e.WorkspaceId, e.AccountId)] = sent = [];
                    }
                    sent.Add(e);
                }
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
            page = [.. Enumerable.Range(0, _events.Count).Select(i => _events[_events.Count - 1 - i])
                .Where(e => e.WorkspaceId == workspaceId && e.CampaignId == campaignId && (query.Kind is null || e.Kind == query.Kind)
                    && (query.Reason is null || e.Reason == query.Reason) && (query.Before is null || e.Seq < query.Before))
                .Take(limit + 1)];
        }
        return Task.FromResult(new EventPage([.. page.Take(limit)], page.Count > limit ? page[limit - 1].Seq : null));
    }

    public Task<EventRecord?> FindSuccessSinceAsync(string workspaceId, string accountId, ActionType action, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_sentByAccount.TryGetValue((workspaceId, accountId), out var sent)
                ? sent.Where(e => e.Action == action && e.At >= since).OrderBy(e => e.At).FirstOrDefault()
                : null);
        }
    }

    public Task<IReadOnlyList<DeliveredAction>> ReadDeliveredSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<DeliveredAction> delivered = _sentByAccount.TryGetValue((workspaceId, accountId), out var sent)
                ? [.. sent.Where(e => e.At >= since).Select(e => new DeliveredAction(e.Action!.Value, e.At))]
                : [];
            return Task.FromResult(delivered);
        }
    }

    public Task<EventRecord?> FindByKeyAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_byKey.GetValueOrDefault((workspaceId, accountId, key)));
        }
    }
}
