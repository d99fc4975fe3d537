using System.Collections.Concurrent;

namespace OrleansBreaker.EventLog;

/// <summary>
/// The embedded default's event log: process-wide, its appends guarded by a lock, indexed the way its readers
/// ask (per campaign, per account, per idempotency key) so no read scans the whole log. Meets the
/// same contract tests as the PostgreSQL log. Unbounded by design (a demo or a test), not for production.
/// </summary>
public sealed class InMemoryEventLog : IEventLog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Workspace, string Campaign), List<EventRecord>> _byCampaign = [];
    private readonly Dictionary<(string Workspace, string Account), List<EventRecord>> _byAccount = [];
    // Read on every dispatch that would send, by every account at once: read without the lock. Holds
    // the first event stored under each key: a key is stored once.
    private readonly ConcurrentDictionary<(string Workspace, string Account, string Key), EventRecord> _byKey = new();
    // The keys each account has claimed: claims live only here and in _byKey, never in the per-campaign and
    // per-account lists the other readers scan. A claim takes no lock (every dispatch claims, from every
    // account at once); an entry whose key _byKey no longer holds as a claim is stale and read past.
    private readonly ConcurrentDictionary<(string Workspace, string Account), ConcurrentDictionary<string, byte>> _claims = new();
    private long _seq;

    public Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var stored = new EventRecord[events.Count];
        lock (_gate)
        {
            for (var i = 0; i < events.Count; i++)
            {
                // An outcome's key is unique per account, as in the database (deploy/sql/002): appended
                // again, it stores nothing and answers with the event stored first.
                var keyed = events[i].AccountId is not null && events[i].Key is not null;
                if (keyed && _byKey.TryGetValue((events[i].WorkspaceId, events[i].AccountId!, events[i].Key!), out var existing))
                {
                    if (existing.Kind != EventKind.Claimed)
                    {
                        stored[i] = existing;
                        continue;
                    }
                    // The outcome of a claimed key resolves the claim.
                    Unclaim(existing);
                }
                var e = stored[i] = events[i] with { Seq = Interlocked.Increment(ref _seq) };
                if (e.CampaignId is not null)
                {
                    ListFor(_byCampaign, (e.WorkspaceId, e.CampaignId)).Add(e);
                }
                if (e.AccountId is not null)
                {
                    ListFor(_byAccount, (e.WorkspaceId, e.AccountId)).Add(e);
                }
                if (keyed)
                {
                    _byKey[(e.WorkspaceId, e.AccountId!, e.Key!)] = e;
                }
            }
        }
        return Task.FromResult<IReadOnlyList<EventRecord>>(stored);
    }

    public Task<EventPage> ReadCampaignAsync(string workspaceId, string campaignId, ActivityQuery query, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(query.Limit, 1, 500);
        var page = new List<EventRecord>(limit + 1);
        lock (_gate)
        {
            if (_byCampaign.TryGetValue((workspaceId, campaignId), out var events))
            {
                for (var i = events.Count - 1; i >= 0 && page.Count <= limit; i--)
                {
                    var e = events[i];
                    if ((query.Kind is null || e.Kind == query.Kind) && (query.Reason is null || e.Reason == query.Reason)
                        && (query.Before is null || e.Seq < query.Before))
                    {
                        page.Add(e);
                    }
                }
            }
        }
        var next = page.Count > limit ? page[limit - 1].Seq : (long?)null;
        return Task.FromResult(new EventPage(page.Take(limit).ToList(), next));
    }

    public Task<EventRecord?> FindSuccessSinceAsync(string workspaceId, string accountId, ActionType action, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(Account(workspaceId, accountId)
                .Where(e => e.Kind == EventKind.Sent && e.Action == action && e.At >= since)
                .OrderBy(e => e.At)
                .FirstOrDefault());
        }
    }

    public Task<IReadOnlyList<DeliveredAction>> ReadDeliveredSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<DeliveredAction> delivered = Account(workspaceId, accountId)
                .Where(e => e.Kind == EventKind.Sent && e.Action is not null && e.At >= since)
                .Select(e => new DeliveredAction(e.Action!.Value, e.At))
                .ToList();
            return Task.FromResult(delivered);
        }
    }

    public Task<IReadOnlyList<BreakerMark>> ReadBreakerMarksSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<BreakerMark> marks = [.. Account(workspaceId, accountId)
                .Where(e => e.Kind is EventKind.BreakerTripped or EventKind.BreakerCleared && e.Action is not null && e.At >= since)
                .OrderBy(e => e.At)
                .Select(e => new BreakerMark(e.At, e.Action!.Value, e.Kind == EventKind.BreakerTripped))];
            return Task.FromResult(marks);
        }
    }

    public Task<IReadOnlyList<DaySentCount>> CountCampaignSentAsync(string workspaceId, string campaignId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<DaySentCount> counts = [.. (_byCampaign.GetValueOrDefault((workspaceId, campaignId)) ?? [])
                .Where(e => e.Kind == EventKind.Sent && e.AccountId is not null && e.At >= since)
                .GroupBy(e => (Day: DateOnly.FromDateTime(e.At.UtcDateTime), e.AccountId))
                .Select(g => new DaySentCount(g.Key.Day, g.Key.AccountId!, g.Count()))];
            return Task.FromResult(counts);
        }
    }

    public Task<EventRecord?> FindByKeyAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default)
    {
        return Task.FromResult(_byKey.GetValueOrDefault((workspaceId, accountId, key)));
    }

    public Task<EventRecord?> FindLatestSentToProspectAsync(string workspaceId, string accountId, string prospectId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(Account(workspaceId, accountId)
                .LastOrDefault(e => e.Kind == EventKind.Sent && e.CampaignId is not null && e.ProspectId == prospectId));
        }
    }

    public Task<EventRecord?> ClaimAsync(EventRecord claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (claim.Kind != EventKind.Claimed || claim.AccountId is null || claim.Key is null)
        {
            throw new ArgumentException("A claim is an event of kind Claimed with an account and a key.", nameof(claim));
        }
        var key = (claim.WorkspaceId, claim.AccountId, claim.Key);
        while (true)
        {
            if (_byKey.TryGetValue(key, out var holder))
            {
                return Task.FromResult<EventRecord?>(holder);
            }
            // Listed first, so that a reader of claims never misses one _byKey holds.
            var listed = _claims.GetOrAdd((claim.WorkspaceId, claim.AccountId), _ => new(StringComparer.Ordinal));
            listed[claim.Key] = 0;
            if (_byKey.TryAdd(key, claim with { Seq = Interlocked.Increment(ref _seq) }))
            {
                return Task.FromResult<EventRecord?>(null);
            }
            // Another append or claim took the key meanwhile: unlist it, unless what holds it is a claim.
            if (!(_byKey.TryGetValue(key, out var taken) && taken.Kind == EventKind.Claimed))
            {
                listed.TryRemove(claim.Key, out _);
            }
        }
    }

    public Task ReleaseAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default)
    {
        if (_byKey.TryGetValue((workspaceId, accountId, key), out var held) && held.Kind == EventKind.Claimed
            && _byKey.TryRemove(new KeyValuePair<(string, string, string), EventRecord>((workspaceId, accountId, key), held)))
        {
            Unclaim(held);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EventRecord>> ReadClaimsAsync(string workspaceId, string accountId, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<EventRecord> claims = [.. (_claims.TryGetValue((workspaceId, accountId), out var keys) ? keys.Keys : [])
            .Select(key => _byKey.TryGetValue((workspaceId, accountId, key), out var e) ? e : null)
            .OfType<EventRecord>()
            .Where(e => e.Kind == EventKind.Claimed)
            .OrderBy(e => e.Seq)];
        return Task.FromResult(claims);
    }

    // The account's entry stays (one per account that ever claimed): removing it could race a claim being listed.
    private void Unclaim(EventRecord claim)
    {
        if (_claims.TryGetValue((claim.WorkspaceId, claim.AccountId!), out var keys))
        {
            keys.TryRemove(claim.Key!, out _);
        }
    }

    private List<EventRecord> Account(string workspaceId, string accountId) =>
        _byAccount.GetValueOrDefault((workspaceId, accountId)) ?? [];

    private static List<EventRecord> ListFor<TKey>(Dictionary<TKey, List<EventRecord>> index, TKey key) where TKey : notnull
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }
        return list;
    }
}
