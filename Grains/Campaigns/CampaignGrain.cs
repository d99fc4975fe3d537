using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace OrleansBreaker.Campaigns;

/// <summary>
/// One campaign: prospects walking an ordered list of steps on one account. It drives its own dispatch
/// while it has work due soon and records what the account answered: skips with their resume time,
/// counters, typed reasons.
/// <para>
/// Why the prospects are not in the grain's state: a state is written whole, so a campaign of 50,000
/// prospects rewrote megabytes per delivered action (issue 11). Each prospect is a row of the
/// <see cref="IProspectStore"/>, written when that prospect changes; the grain's own state holds only
/// settings, counters and the batch in flight, and its views are counts kept up to date as prospects
/// change (<see cref="CampaignStats"/>). A row is keyed by campaign and prospect, not by account, so a
/// campaign can later send from a pool of accounts (BRIEF §11): <see cref="ProspectRecord.AccountId"/>
/// is the account a prospect is bound to, set by its first delivery.
/// </para>
/// </summary>
internal sealed partial class CampaignGrain(
    [PersistentState("campaign", StorageNames.GrainStore)] IPersistentState<CampaignState> state,
    IProspectStore store,
    IEventLog eventLog,
    ILocalSiloDetails silo,
    [FromKeyedServices(BreakerServices.ClockKey)] TimeProvider time,
    IOptions<DispatchOptions> options,
    CampaignRunGate gate,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain, IRemindable
{
    /// <summary>The most prospects a page of the list returns, and the page size of the grain's own walks.</summary>
    private const int MaxPage = 500;

    private string _workspaceId = "";
    private string _campaignId = "";
    private CampaignKey _key;
    private readonly CampaignStats _stats = new();
    // Prospects and counts are read from the store once per activation, before the grain does anything.
    private bool _ready;
    private Task? _loading;
    // The in-memory state is ahead of storage (a write failed): stored before anything else is done.
    private bool _unsaved;
    // The stored state's Pending is not in the prospect store yet: written there before anything else is done.
    private bool _pendingUnapplied;
    // The earliest resume time per step, read from the store when a view asks and nothing changed since.
    private IReadOnlyDictionary<int, DateTimeOffset>? _earliestResume;
    // Bumped by every prospect change: a view's read of the store that a change overtook is not kept.
    private int _changes;

    private CampaignState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _campaignId) = GrainKeys.Split(this.GetPrimaryKeyString());
        _key = new CampaignKey(_workspaceId, _campaignId);
        BreakerMetrics.PoolsHeld(S.Degraded, +1);
        if (S.Exists && options.Value.AutoDispatch)
        {
            try
            {
                await EnsureReadyAsync();
                await RescheduleAsync(afterRun: false);
            }
            catch (Exception ex)
            {
                // The store is unreachable: the due index wakes this campaign again (its claim is retried).
                LogTickFailed(_campaignId, ex);
            }
        }
    }

    public async Task<CampaignView> ConfigureAsync(CampaignSettings settings)
    {
        if (settings.Steps.Count == 0)
        {
            throw new ArgumentException("A campaign needs at least one step.", nameof(settings));
        }
        if (settings.Steps.Any(s => s.DelayMinutes < 0))
        {
            throw new ArgumentException("Step delays must be zero or more minutes.", nameof(settings));
        }
        var pool = settings.Pool;
        if (pool.Count is 0 or > CampaignSettings.MaxPool)
        {
            throw new ArgumentException($"A campaign sends from 1 to {CampaignSettings.MaxPool} accounts, got {pool.Count}.", nameof(settings));
        }
        await EnsureReadyAsync();
        var before = S.Steps.Count;
        var removed = S.Accounts.Except(pool, StringComparer.Ordinal).ToList();
        var added = S.Exists ? pool.Except(S.Accounts, StringComparer.Ordinal).ToList() : [];
        S.Exists = true;
        S.AccountId = pool[0];
        S.Pool = [.. pool];
        S.Steps = [.. settings.Steps];
        S.Active = settings.Active;
        await CommitAsync([], []);
        if (S.Steps.Count < before)
        {
            // Fewer steps than before: those past the new end are done, so that every step index read is a step.
            await UpdateWhereAsync(new ProspectFilter { Steps = [.. Enumerable.Range(S.Steps.Count, before - S.Steps.Count)] },
                p => ProspectMachine.StepsChanged(p, S.Steps.Count));
        }
        await PoolChangedAsync(removed, added);
        // After the campaign's own state is committed, so the directory never names a campaign that is not
        // stored. Every time, not only when the accounts changed: it writes only on a change, and a retried
        // configuration mends a directory call that failed after the commit.
        await GrainFactory.GetGrain<IWorkspaceGrain>(_workspaceId).SetCampaignAccountsAsync(_campaignId, S.Accounts);
        _nextWake = null;
        await RescheduleAsync(afterRun: false);
        return await BuildViewAsync();
    }

    public async Task<AddProspectsResult> AddProspectsAsync(IReadOnlyList<ProspectInput> prospects)
    {
        if (!S.Exists)
        {
            throw new InvalidOperationException($"Campaign {_campaignId} does not exist; create it before adding prospects.");
        }
        await EnsureReadyAsync();
        var now = time.GetUtcNow();
        var enrolled = prospects.Select(p => ProspectMachine.Enrol(p, S.Steps, now)).ToList();
        var added = await store.AddAsync(_key, enrolled);
        if (added.Count > 0)
        {
            var stored = added.ToHashSet(StringComparer.Ordinal);
            foreach (var p in enrolled.Where(p => stored.Remove(p.Id)))
            {
                _stats.Added(p);
            }
            ProspectsChanged();
            _nextWake = null;
            await RescheduleAsync(afterRun: false);
        }
        return new AddProspectsResult(added.Count, prospects.Count - added.Count);
    }

    public Task<CampaignView> GetViewAsync() => ReadingAsync(async () =>
    {
        if (S.Exists)
        {
            await EnsureLoadedAsync();
        }
        return await BuildViewAsync();
    });

    public Task<ProspectView?> GetProspectAsync(string prospectId) => ReadingAsync(async () =>
    {
        if (!S.Exists)
        {
            return null;
        }
        await EnsureLoadedAsync();
        return await ReadProspectAsync(prospectId) is { } p ? ToView(p) : null;
    });

    public Task<ProspectPage> ListProspectsAsync(ProspectQuery query) => ReadingAsync(async () =>
    {
        var limit = Math.Clamp(query.Limit, 1, MaxPage);
        if (!S.Exists || ToStoreFilter(query) is not { } filter)
        {
            return new ProspectPage([], null);
        }
        await EnsureLoadedAsync();
        var rows = await store.ListAsync(_key, filter, query.After, limit + 1);
        var items = rows.Take(limit).Select(ToView).ToList();
        return new ProspectPage(items, rows.Count > limit ? items[^1].Id : null);
    });

    /// <summary>
    /// A read of the prospect store that cannot reach it says so in a type every caller can receive (a
    /// driver's own exception may not cross to the client), so the API answers 503 with why.
    /// </summary>
    private async Task<T> ReadingAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            LogStoreUnreachable(_campaignId, ex);
            throw new StorageUnavailableException($"Campaign '{_campaignId}': its prospects cannot be read because storage is unreachable ({ex.GetType().Name}); nothing is sent until it returns.");
        }
    }

    /// <summary>
    /// The store filter for a query on prospects as users see them (<see cref="ToView"/>), or null when no
    /// prospect can match. A paused campaign shows every open prospect as Waiting for CampaignPaused.
    /// </summary>
    private ProspectFilter? ToStoreFilter(ProspectQuery q)
    {
        // A single account's campaign: every prospect goes from it. A pool's: those bound to the account.
        var single = S.Accounts.Count == 1;
        if (q.AccountId is not null && !S.Accounts.Contains(q.AccountId, StringComparer.Ordinal) && single)
        {
            return null;
        }
        var account = single ? null : q.AccountId;
        IReadOnlyCollection<Reason>? reasons = q.Reason is { } r ? [r] : null;
        if (S.Active)
        {
            return new ProspectFilter { Status = q.Status, Reasons = reasons, AccountId = account };
        }
        var open = q.Status is null or ProspectStatus.Waiting && q.Reason is null or Reason.CampaignPaused;
        var closed = q.Status is not (ProspectStatus.Due or ProspectStatus.Waiting) && q.Reason is not Reason.CampaignPaused;
        return (open, closed) switch
        {
            (true, true) => new ProspectFilter { AccountId = account },
            (true, false) => new ProspectFilter { Open = true, AccountId = account },
            (false, true) => new ProspectFilter { Open = false, Status = q.Status, Reasons = reasons, AccountId = account },
            _ => null,
        };
    }

    public Task<EventPage> GetActivityAsync(ActivityQuery query) =>
        eventLog.ReadCampaignAsync(_workspaceId, _campaignId, query);

    public Task RecordProspectOutcomeAsync(string prospectId, EventKind kind, DateTimeOffset at) =>
        RecordProspectOutcomesAsync([new ProspectOutcomeReport(prospectId, kind, at)]);

    public async Task RecordProspectOutcomesAsync(IReadOnlyList<ProspectOutcomeReport> outcomes)
    {
        if (outcomes.FirstOrDefault(o => o.Kind is not (EventKind.Accepted or EventKind.Replied)) is { } wrong)
        {
            throw new ArgumentException($"Only Accepted and Replied are prospect outcomes, not {wrong.Kind}.", nameof(outcomes));
        }
        if (!S.Exists)
        {
            foreach (var o in outcomes)
            {
                LogOutcomeUnmatched(_campaignId, o.ProspectId, o.Kind);
            }
            return;
        }
        await EnsureReadyAsync();
        var now = time.GetUtcNow();
        var changed = new Dictionary<string, (ProspectRecord Before, ProspectRecord After)>(StringComparer.Ordinal);
        var events = new List<EventRecord>();
        foreach (var o in outcomes)
        {
            var current = changed.TryGetValue(o.ProspectId, out var c) ? c.After : await store.GetAsync(_key, o.ProspectId);
            if (current is null)
            {
                LogOutcomeUnmatched(_campaignId, o.ProspectId, o.Kind);
                continue;
            }
            var counters = S.Counters;
            (ProspectRecord? next, counters) = o.Kind switch
            {
                EventKind.Accepted when !current.Accepted => (current with { Accepted = true }, counters with { Accepted = counters.Accepted + 1 }),
                EventKind.Replied when !current.Replied => (current with { Replied = true }, counters with { Replied = counters.Replied + 1 }),
                _ => (null, counters), // counted already: reported again, or read twice from the feed
            };
            if (next is null)
            {
                continue;
            }
            S.Counters = counters;
            changed[o.ProspectId] = (c.Before ?? current, next);
            var action = S.Steps[Math.Min(current.StepIndex, S.Steps.Count - 1)].Action;
            events.Add(NewEvent(o.Kind, action, o.ProspectId, o.At > now ? now : o.At, current.AccountId) with { Key = $"{_campaignId}/{o.ProspectId}/{o.Kind}" });
        }
        if (changed.Count > 0)
        {
            await CommitAsync([.. changed.Values], events);
        }
    }

    public async Task BreakerClearedAsync(string accountId, ActionType action)
    {
        if (!S.Exists || !S.Accounts.Contains(accountId, StringComparer.Ordinal))
        {
            return;
        }
        await EnsureReadyAsync();
        _seats.Cleared(accountId, action);
        var steps = S.Steps.Select((s, i) => (s.Action, i)).Where(s => s.Action == action).Select(s => s.i).ToList();
        var now = time.GetUtcNow();
        var waiting = new ProspectFilter { Status = ProspectStatus.Waiting, Reasons = [Reason.InMailCreditsExhausted, Reason.ActionLimitReached], Steps = steps };
        // One account of a pool cleared: its own prospects, and those not bound yet (they wait on the whole pool).
        var woken = S.Accounts.Count == 1
            ? await UpdateWhereAsync(waiting, p => ProspectMachine.BreakerCleared(p, now))
            : await UpdateWhereAsync(waiting with { AccountId = accountId }, p => ProspectMachine.BreakerCleared(p, now))
                + await UpdateWhereAsync(waiting with { Bound = false }, p => ProspectMachine.BreakerCleared(p, now));
        if (woken > 0)
        {
            LogWoken(_campaignId, woken, action);
            _nextWake = null;
            await RescheduleAsync(afterRun: false);
        }
    }

    public async Task SafetyModeTrippedAsync(IReadOnlyList<string> prospectIds, DateTimeOffset? resumeAt)
    {
        if (!S.Exists)
        {
            return;
        }
        await EnsureReadyAsync();
        var now = time.GetUtcNow();
        var changes = new List<(ProspectRecord, ProspectRecord)>();
        foreach (var id in prospectIds.Distinct(StringComparer.Ordinal))
        {
            if (await store.GetAsync(_key, id) is { } p && ProspectMachine.FailedInBurst(p, resumeAt, now) is var next && next != p)
            {
                changes.Add((p, next));
            }
        }
        if (changes.Count > 0)
        {
            await CommitAsync(changes, []);
        }
    }

    private void ProspectsChanged()
    {
        _changes++;
        _earliestResume = null;
    }

    private EventRecord NewEvent(EventKind kind, ActionType action, string? prospectId, DateTimeOffset at, string? accountId = null) => new()
    {
        At = at, Kind = kind, WorkspaceId = _workspaceId, CampaignId = _campaignId, AccountId = accountId ?? S.AccountId,
        ProspectId = prospectId, Action = action, Text = ActivityText.For(kind, Reason.None, action),
    };

    private async Task<CampaignView> BuildViewAsync()
    {
        var earliest = _earliestResume;
        if (earliest is null && S.Exists)
        {
            var seen = _changes;
            earliest = await store.EarliestResumeAsync(_key, S.Steps.Count);
            if (seen == _changes)
            {
                _earliestResume = earliest;
            }
        }
        var pool = await PoolHealthAsync();
        var steps = S.Steps.Select((s, i) => new StepView(s.Action, s.DelayMinutes, _stats.Count(i, ProspectStatus.Waiting),
            earliest is not null && earliest.TryGetValue(i, out var at) ? at : null)).ToList();
        return new CampaignView
        {
            Id = _campaignId,
            WorkspaceId = _workspaceId,
            Exists = S.Exists,
            AccountId = S.Exists ? S.AccountId : null,
            AccountIds = S.Exists ? S.Accounts : [],
            Pool = pool,
            Degraded = S.Accounts.Count > 1 && pool.Values.Any(h => h.Degraded),
            Active = S.Active,
            Counters = S.Counters,
            Steps = steps,
            ResumeAt = steps.Where(s => s.ResumeAt is not null).Select(s => s.ResumeAt).Min(),
            Prospects = _stats.Total,
        };
    }

    private ProspectView ToView(ProspectRecord p)
    {
        // A paused campaign moves nobody: that, not what the prospect last waited on, is why it is not moving.
        var paused = !S.Active && p.WakeAt is not null;
        return new()
        {
            Id = p.Id,
            Step = p.StepIndex + 1,
            Action = p.StepIndex < S.Steps.Count ? S.Steps[p.StepIndex].Action : null,
            Status = paused ? ProspectStatus.Waiting : p.Status,
            Reason = paused ? Reason.CampaignPaused : p.Status is ProspectStatus.Done ? Reason.None : p.Reason,
            ResumeAt = paused ? null : p.ResumeAt,
            ProfileUrl = p.ProfileUrl,
            Attempts = p.Attempts,
            AccountId = p.AccountId,
        };
    }
}
