namespace OrleansBreaker.Campaigns;

/// <summary>
/// The embedded default's prospect store: every campaign's prospects in process memory, ordered by id
/// (for pages) and by wake time (for the due read), under one lock per campaign. Lost with the process,
/// like the embedded grain storage.
/// </summary>
public sealed class InMemoryProspectStore : IProspectStore
{
    private readonly Lock _campaignsLock = new();
    private readonly Dictionary<CampaignKey, Campaign> _campaigns = [];
    private readonly Lock _scheduleLock = new();
    private readonly Dictionary<CampaignKey, (DateTimeOffset WakeAt, string? Owner)> _schedule = [];

    private sealed class Campaign
    {
        public readonly Lock Gate = new();
        public readonly SortedDictionary<string, ProspectRecord> ById = new(StringComparer.Ordinal);
        public readonly SortedSet<(DateTimeOffset WakeAt, string Id)> ByWake = new(WakeOrder.Instance);

        public void Put(ProspectRecord record)
        {
            if (ById.TryGetValue(record.Id, out var old) && old.WakeAt is { } oldWake)
            {
                ByWake.Remove((oldWake, old.Id));
            }
            ById[record.Id] = record;
            if (record.WakeAt is { } wake)
            {
                ByWake.Add((wake, record.Id));
            }
        }
    }

    private sealed class WakeOrder : IComparer<(DateTimeOffset WakeAt, string Id)>
    {
        public static readonly WakeOrder Instance = new();

        public int Compare((DateTimeOffset WakeAt, string Id) x, (DateTimeOffset WakeAt, string Id) y)
        {
            var byTime = x.WakeAt.CompareTo(y.WakeAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.Id, y.Id);
        }
    }

    private Campaign Of(CampaignKey key, bool create)
    {
        lock (_campaignsLock)
        {
            if (!_campaigns.TryGetValue(key, out var campaign) && create)
            {
                _campaigns[key] = campaign = new Campaign();
            }
            return campaign ?? Empty;
        }
    }

    private static readonly Campaign Empty = new();

    public Task<IReadOnlyList<string>> AddAsync(CampaignKey campaign, IReadOnlyList<ProspectRecord> prospects, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: true);
        var added = new List<string>();
        lock (c.Gate)
        {
            foreach (var p in prospects)
            {
                if (!c.ById.ContainsKey(p.Id))
                {
                    c.Put(p);
                    added.Add(p.Id);
                }
            }
        }
        return Task.FromResult<IReadOnlyList<string>>(added);
    }

    public Task<ProspectRecord?> GetAsync(CampaignKey campaign, string prospectId, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: false);
        lock (c.Gate)
        {
            return Task.FromResult(c.ById.GetValueOrDefault(prospectId));
        }
    }

    public Task<IReadOnlyList<ProspectRecord>> ReadDueAsync(CampaignKey campaign, DateTimeOffset now, int limit, IReadOnlyCollection<string>? skipAccounts = null, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: false);
        lock (c.Gate)
        {
            IReadOnlyList<ProspectRecord> due = [.. c.ByWake.TakeWhile(e => e.WakeAt <= now).Select(e => c.ById[e.Id])
                .Where(p => skipAccounts is not { Count: > 0 } || p.AccountId is null || !skipAccounts.Contains(p.AccountId)).Take(limit)];
            return Task.FromResult(due);
        }
    }

    public Task<DateTimeOffset?> NextWakeAsync(CampaignKey campaign, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: false);
        lock (c.Gate)
        {
            return Task.FromResult(c.ByWake.Count == 0 ? (DateTimeOffset?)null : c.ByWake.Min.WakeAt);
        }
    }

    public Task<IReadOnlyList<string>> UpdateAsync(CampaignKey campaign, IReadOnlyList<ProspectRecord> changed, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: false);
        var refused = new List<string>();
        lock (c.Gate)
        {
            foreach (var p in changed)
            {
                if (c.ById.TryGetValue(p.Id, out var stored) && stored.Version == p.Version - 1)
                {
                    c.Put(p);
                }
                else
                {
                    refused.Add(p.Id);
                }
            }
        }
        return Task.FromResult<IReadOnlyList<string>>(refused);
    }

    public Task<IReadOnlyList<ProspectRecord>> ListAsync(CampaignKey campaign, ProspectFilter filter, string? after, int limit, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: false);
        lock (c.Gate)
        {
            var from = after is null ? c.ById.Values : c.ById.Values.Where(p => string.CompareOrdinal(p.Id, after) > 0);
            IReadOnlyList<ProspectRecord> page = [.. from.Where(p => Matches(p, filter)).Take(limit)];
            return Task.FromResult(page);
        }
    }

    internal static bool Matches(ProspectRecord p, ProspectFilter f) =>
        (f.Status is null || p.Status == f.Status)
        && (f.Reasons is null || f.Reasons.Count == 0 || f.Reasons.Contains(p.Reason))
        && (f.Steps is null || f.Steps.Contains(p.StepIndex))
        && (f.Open is null || (p.WakeAt is not null) == f.Open)
        && (f.AccountId is null || p.AccountId == f.AccountId)
        && (f.Bound is null || (p.AccountId is not null) == f.Bound);

    public Task<IReadOnlyList<StepStatusCount>> CountAsync(CampaignKey campaign, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: false);
        lock (c.Gate)
        {
            IReadOnlyList<StepStatusCount> counts = [.. c.ById.Values.GroupBy(p => (p.StepIndex, p.Status)).Select(g => new StepStatusCount(g.Key.StepIndex, g.Key.Status, g.Count()))];
            return Task.FromResult(counts);
        }
    }

    public Task<IReadOnlyList<SeatReasonCount>> CountBySeatAsync(CampaignKey campaign, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: false);
        lock (c.Gate)
        {
            IReadOnlyList<SeatReasonCount> counts = [.. c.ById.Values.GroupBy(p => (p.AccountId, p.Status, p.Reason))
                .Select(g => new SeatReasonCount(g.Key.AccountId, g.Key.Status, g.Key.Reason, g.Count()))];
            return Task.FromResult(counts);
        }
    }

    public Task<IReadOnlyDictionary<int, DateTimeOffset>> EarliestResumeAsync(CampaignKey campaign, int stepCount, CancellationToken cancellationToken = default)
    {
        var c = Of(campaign, create: false);
        lock (c.Gate)
        {
            IReadOnlyDictionary<int, DateTimeOffset> earliest = c.ById.Values
                .Where(p => p.Status == ProspectStatus.Waiting && p.ResumeAt is not null && p.StepIndex < stepCount)
                .GroupBy(p => p.StepIndex)
                .ToDictionary(g => g.Key, g => g.Min(p => p.ResumeAt!.Value));
            return Task.FromResult(earliest);
        }
    }

    public Task ScheduleAsync(CampaignKey campaign, DateTimeOffset? wakeAt, string? owner, CancellationToken cancellationToken = default)
    {
        lock (_scheduleLock)
        {
            if (wakeAt is { } at)
            {
                _schedule[campaign] = (at, owner);
            }
            else
            {
                _schedule.Remove(campaign);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CampaignKey>> ClaimDueAsync(DateTimeOffset dueBy, DateTimeOffset retryAt, IReadOnlyCollection<string> liveOwners, int limit, CancellationToken cancellationToken = default)
    {
        lock (_scheduleLock)
        {
            var claimed = _schedule
                .Where(e => e.Value.WakeAt <= dueBy && (e.Value.Owner is null || !liveOwners.Contains(e.Value.Owner)))
                .OrderBy(e => e.Value.WakeAt)
                .Take(limit)
                .Select(e => e.Key)
                .ToList();
            foreach (var key in claimed)
            {
                _schedule[key] = (retryAt, null);
            }
            return Task.FromResult<IReadOnlyList<CampaignKey>>(claimed);
        }
    }

    public Task<(DateTimeOffset WakeAt, string? Owner)?> GetScheduleAsync(CampaignKey campaign, CancellationToken cancellationToken = default)
    {
        lock (_scheduleLock)
        {
            return Task.FromResult(_schedule.TryGetValue(campaign, out var e) ? e : ((DateTimeOffset, string?)?)null);
        }
    }
}
