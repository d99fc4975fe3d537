using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;

namespace OrleansBreaker.Campaigns;

/// <summary>
/// One campaign: prospects walking an ordered list of steps on one account. It drives its own
/// dispatch (a grain timer while active, a reminder to come back after deactivation) and records
/// what the account answered: skips with their resume time, counters, typed reasons.
/// </summary>
internal sealed partial class CampaignGrain(
    [PersistentState("campaign", StorageNames.GrainStore)] IPersistentState<CampaignState> state,
    IEventLog eventLog,
    [FromKeyedServices(BreakerServices.ClockKey)] TimeProvider time,
    IOptions<DispatchOptions> options,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain, IRemindable
{
    private const string KeepAliveReminder = "keepalive";
    // Brings a campaign back within two minutes after its silo died (the reminder minimum is one).
    private static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromMinutes(2);

    private string _workspaceId = "";
    private string _campaignId = "";
    private IGrainTimer? _timer;
    // The in-memory state is ahead of storage (a write failed): stored before anything else is done.
    private bool _unsaved;

    private CampaignState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _campaignId) = GrainKeys.Split(this.GetPrimaryKeyString());
        UpdateTimer();
        return Task.CompletedTask;
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
        var created = !S.Exists;
        S.Exists = true;
        S.AccountId = settings.AccountId;
        S.Steps = [.. settings.Steps];
        S.Active = settings.Active;
        // Fewer steps than before: those past the new end are done, so that every tick can still read each prospect's step.
        foreach (var p in S.Prospects.Values.Where(p => p.StepIndex >= S.Steps.Count).ToList())
        {
            S.Prospects[p.Id] = ProspectMachine.StepsChanged(p, S.Steps.Count);
        }
        await CommitAsync([]);
        if (created)
        {
            await GrainFactory.GetGrain<IWorkspaceGrain>(_workspaceId).AddCampaignAsync(_campaignId);
        }
        await UpdateKeepAliveAsync();
        UpdateTimer();
        return BuildView();
    }

    public async Task<AddProspectsResult> AddProspectsAsync(IReadOnlyList<ProspectInput> prospects)
    {
        if (!S.Exists)
        {
            throw new InvalidOperationException($"Campaign {_campaignId} does not exist; create it before adding prospects.");
        }
        var now = time.GetUtcNow();
        int added = 0, duplicates = 0;
        foreach (var input in prospects)
        {
            if (S.Prospects.ContainsKey(input.Id))
            {
                duplicates++;
                continue;
            }
            S.Prospects[input.Id] = ProspectMachine.Enrol(input, S.Steps, now);
            added++;
        }
        if (added > 0)
        {
            await CommitAsync([]);
            await UpdateKeepAliveAsync();
        }
        return new AddProspectsResult(added, duplicates);
    }

    public Task<CampaignView> GetViewAsync() => Task.FromResult(BuildView());

    public Task<ProspectView?> GetProspectAsync(string prospectId) =>
        Task.FromResult(S.Prospects.TryGetValue(prospectId, out var p) ? ToView(p) : null);

    public Task<ProspectPage> ListProspectsAsync(ProspectQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, 500);
        var page = new List<ProspectView>(limit + 1);
        if (query.AccountId is null || query.AccountId == S.AccountId)
        {
            // A walk in id order over the prospects in state; once prospects live in a store of their own
            // (issue 11), the same query becomes an index read there.
            foreach (var p in S.Prospects.Values.Where(p => query.After is null || string.CompareOrdinal(p.Id, query.After) > 0).OrderBy(p => p.Id, StringComparer.Ordinal))
            {
                var view = ToView(p);
                if ((query.Status is null || view.Status == query.Status) && (query.Reason is null || view.Reason == query.Reason))
                {
                    page.Add(view);
                    if (page.Count > limit)
                    {
                        break;
                    }
                }
            }
        }
        var next = page.Count > limit ? page[limit - 1].Id : null;
        return Task.FromResult(new ProspectPage(page.Count > limit ? page[..limit] : page, next));
    }

    public Task<EventPage> GetActivityAsync(ActivityQuery query) =>
        eventLog.ReadCampaignAsync(_workspaceId, _campaignId, query);

    public async Task<int> RunDueAsync()
    {
        if (!S.Exists || !S.Active)
        {
            return 0;
        }
        if (_unsaved)
        {
            // What the last tick did is not stored yet: store it (with its events) before doing more.
            await CommitAsync([]);
        }
        await FlushOutboxAsync();
        var now = time.GetUtcNow();
        var due = S.Prospects.Values
            .Where(p => ProspectMachine.IsDue(p, now))
            .OrderBy(p => p.WakeAt)
            .Take(options.Value.BatchSize)
            .ToList();
        if (due.Count == 0)
        {
            return 0;
        }

        var account = GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_workspaceId, S.AccountId));
        var events = new List<EventRecord>();
        foreach (var prospect in due)
        {
            var action = S.Steps[prospect.StepIndex].Action;
            DispatchResult result;
            try
            {
                result = await account.DispatchAsync(new DispatchCommand
                {
                    CampaignId = _campaignId, ProspectId = prospect.Id, Step = prospect.StepIndex, Action = action, ProfileUrl = prospect.ProfileUrl,
                });
            }
            catch (Exception ex)
            {
                // The account could not be reached or could not reach its storage: nothing was sent
                // (the account persists its intent before any send). Wait and look again.
                LogDispatchFailed(_campaignId, prospect.Id, ex);
                result = new DispatchResult { Status = DispatchStatus.Blocked, Reason = Reason.StorageUnavailable, At = now };
            }
            Apply(prospect, action, result, now, events);
            if (result.Status == DispatchStatus.Blocked && result.Reason is Reason.StorageUnavailable or Reason.AccountDisconnected or Reason.AccountRestricted or Reason.SafetyMode)
            {
                break; // the rest would meet the same wall; they stay due for the next tick
            }
        }
        await CommitAsync(events);
        return due.Count;
    }

    public async Task BreakerClearedAsync(string accountId, ActionType action)
    {
        if (!S.Exists || accountId != S.AccountId)
        {
            return;
        }
        var now = time.GetUtcNow();
        var woken = 0;
        foreach (var p in S.Prospects.Values.ToList())
        {
            if (p.StepIndex < S.Steps.Count && S.Steps[p.StepIndex].Action == action)
            {
                var next = ProspectMachine.BreakerCleared(p, now);
                if (next != p)
                {
                    S.Prospects[p.Id] = next;
                    woken++;
                }
            }
        }
        if (woken > 0)
        {
            LogWoken(_campaignId, woken, action);
            await CommitAsync([]);
        }
    }

    public async Task SafetyModeTrippedAsync(IReadOnlyList<string> prospectIds, DateTimeOffset? resumeAt)
    {
        var now = time.GetUtcNow();
        var changed = false;
        foreach (var id in prospectIds)
        {
            if (S.Prospects.TryGetValue(id, out var p) && ProspectMachine.FailedInBurst(p, resumeAt, now) is var next && next != p)
            {
                S.Prospects[id] = next;
                changed = true;
            }
        }
        if (changed)
        {
            await CommitAsync([]);
        }
    }

    public async Task RecordProspectOutcomeAsync(string prospectId, EventKind kind, DateTimeOffset at)
    {
        if (!S.Prospects.TryGetValue(prospectId, out var p))
        {
            LogOutcomeUnmatched(_campaignId, prospectId, kind);
            return;
        }
        var c = S.Counters;
        (ProspectRecord? next, CampaignCounters counters) = kind switch
        {
            EventKind.Accepted when !p.Accepted => (p with { Accepted = true }, c with { Accepted = c.Accepted + 1 }),
            EventKind.Replied when !p.Replied => (p with { Replied = true }, c with { Replied = c.Replied + 1 }),
            EventKind.Accepted or EventKind.Replied => (null, c), // counted already: reported again, or read twice from the feed
            _ => throw new ArgumentException($"Only Accepted and Replied are prospect outcomes, not {kind}.", nameof(kind)),
        };
        if (next is null)
        {
            return;
        }
        S.Prospects[prospectId] = next;
        S.Counters = counters;
        var now = time.GetUtcNow();
        var action = S.Steps[Math.Min(p.StepIndex, S.Steps.Count - 1)].Action;
        await CommitAsync([NewEvent(kind, action, prospectId, at > now ? now : at) with { Key = $"{_campaignId}/{prospectId}/{kind}" }]);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The reminder only brings the campaign back after a deactivation; the timer does the work.
        await UpdateKeepAliveAsync();
        UpdateTimer();
    }

    private void Apply(ProspectRecord prospect, ActionType action, DispatchResult result, DateTimeOffset now, List<EventRecord> events)
    {
        var (next, effect) = ProspectMachine.Apply(prospect, result, S.Steps, now);
        S.Prospects[prospect.Id] = next;
        var c = S.Counters;
        if (effect.CountSent)
        {
            c = c with { Sent = c.Sent + 1 };
        }
        if (effect.CountFailed)
        {
            c = c with { Failed = c.Failed + 1 };
        }
        if (effect.EmitSkip)
        {
            c = c with { Skipped = c.Skipped + 1 };
            BreakerMetrics.Skip(result.Reason);
            events.Add(NewEvent(EventKind.Skipped, action, prospect.Id, now) with
            {
                // One skip per prospect step per trip, in the log too: a re-appended outbox stores it once.
                Key = $"{_campaignId}/{prospect.Id}/{prospect.StepIndex}/skip/{result.TripId?.UtcTicks ?? 0}",
                Reason = result.Reason,
                ResumeAt = result.ResumeAt,
                Text = ActivityText.For(EventKind.Skipped, result.Reason, action),
            });
        }
        S.Counters = c;
    }

    private EventRecord NewEvent(EventKind kind, ActionType action, string prospectId, DateTimeOffset at) => new()
    {
        At = at, Kind = kind, WorkspaceId = _workspaceId, CampaignId = _campaignId, AccountId = S.AccountId,
        ProspectId = prospectId, Action = action, Text = ActivityText.For(kind, Reason.None, action),
    };

    /// <summary>
    /// Stores the state together with the events it produced (they ride in its outbox), then appends them.
    /// Events and state never part ways: if the write fails, both stay in memory and the next tick stores
    /// them before dispatching anything; if the grain dies first (or its state turns out stale), both are
    /// lost together and the work is redone (the account replays what it recorded, a skip is recorded
    /// again with the same key). If the append fails or the silo dies after the write, the stored outbox
    /// is appended later.
    /// </summary>
    private async Task CommitAsync(IReadOnlyList<EventRecord> events)
    {
        S.Outbox.AddRange(events);
        try
        {
            await state.WriteStateAsync();
            _unsaved = false;
        }
        catch (Exception ex)
        {
            _unsaved = true;
            LogStateNotWritten(_campaignId, S.Outbox.Count, ex);
            if (ex is InconsistentStateException)
            {
                // Another activation wrote since we read: what we hold is stale and can never be stored.
                // Drop it with its events; the next activation reads what was stored and redoes the work.
                DeactivateOnIdle();
            }
            throw;
        }
        await FlushOutboxAsync();
    }

    /// <summary>
    /// Appends the stored outbox. Emptying it is written with the next state write: until then a reactivation
    /// appends the same events again, and the log keeps each key once.
    /// </summary>
    private async Task FlushOutboxAsync()
    {
        if (S.Outbox.Count == 0 || _unsaved)
        {
            return;
        }
        try
        {
            await eventLog.AppendAsync(S.Outbox);
            S.Outbox.Clear();
        }
        catch (Exception ex)
        {
            LogEventLogUnavailable(_campaignId, S.Outbox.Count, ex);
        }
    }

    private bool HasOpenWork => S.Exists && S.Active && S.Prospects.Values.Any(p => p.Status is ProspectStatus.Due or ProspectStatus.Waiting || ProspectMachine.IsRetryableFailure(p));

    private void UpdateTimer()
    {
        var wanted = options.Value.AutoDispatch && S.Exists && S.Active;
        if (wanted && _timer is null)
        {
            var tick = options.Value.CampaignTick;
            _timer = this.RegisterGrainTimer(async ct =>
            {
                try
                {
                    await RunDueAsync();
                }
                catch (Exception ex)
                {
                    LogTickFailed(_campaignId, ex);
                }
            }, new GrainTimerCreationOptions(tick, tick) { Interleave = false, KeepAlive = HasOpenWork });
        }
        else if (!wanted && _timer is not null)
        {
            _timer.Dispose();
            _timer = null;
        }
    }

    private async Task UpdateKeepAliveAsync()
    {
        if (!options.Value.AutoDispatch)
        {
            return;
        }
        try
        {
            var existing = await this.GetReminder(KeepAliveReminder);
            if (HasOpenWork && existing is null)
            {
                await this.RegisterOrUpdateReminder(KeepAliveReminder, KeepAlivePeriod, KeepAlivePeriod);
            }
            else if (!HasOpenWork && existing is not null)
            {
                await this.UnregisterReminder(existing);
            }
        }
        catch (Exception ex)
        {
            LogTickFailed(_campaignId, ex);
        }
    }

    private CampaignView BuildView()
    {
        var steps = S.Steps.Select((s, i) =>
        {
            var waiting = S.Prospects.Values.Where(p => p.StepIndex == i && p.Status == ProspectStatus.Waiting).ToList();
            var resume = waiting.Where(p => p.ResumeAt is not null).Select(p => p.ResumeAt).Min();
            return new StepView(s.Action, s.DelayMinutes, waiting.Count, resume);
        }).ToList();
        return new CampaignView
        {
            Id = _campaignId,
            WorkspaceId = _workspaceId,
            Exists = S.Exists,
            AccountId = S.Exists ? S.AccountId : null,
            Active = S.Active,
            Counters = S.Counters,
            Steps = steps,
            ResumeAt = steps.Where(s => s.ResumeAt is not null).Select(s => s.ResumeAt).Min(),
            Prospects = S.Prospects.Count,
        };
    }

    private ProspectView ToView(ProspectRecord p)
    {
        // A paused campaign moves nobody: that, not what the prospect last waited on, is why it is not moving.
        var paused = !S.Active && (p.Status is ProspectStatus.Due or ProspectStatus.Waiting || ProspectMachine.IsRetryableFailure(p));
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
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: dispatch of {Prospect} failed before reaching LinkedIn; will retry")]
    private partial void LogDispatchFailed(string campaign, string prospect, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {Campaign}: {Count} prospects due again after the {Action} breaker cleared")]
    private partial void LogWoken(string campaign, int count, ActionType action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: event log unavailable; {Count} events kept in the outbox")]
    private partial void LogEventLogUnavailable(string campaign, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: state could not be written; it and its {Count} events are kept in memory and written before the next dispatch")]
    private partial void LogStateNotWritten(string campaign, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: a {Kind} for {Prospect}, who is not in the campaign, was dropped")]
    private partial void LogOutcomeUnmatched(string campaign, string prospect, EventKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: dispatch tick failed")]
    private partial void LogTickFailed(string campaign, Exception ex);
}
