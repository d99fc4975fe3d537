using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using OrleansBreaker.Safety;

namespace OrleansBreaker.Accounts;

/// <summary>
/// One LinkedIn account. The only path to LinkedIn for it, so sends are serialised by the grain's
/// turn-based concurrency: a post-reset probe is single-flight by construction. The grain is a thin
/// shell over <see cref="Breaker"/>, <see cref="CapWindows"/> and <see cref="UpstreamClassifier"/>.
/// </summary>
internal sealed partial class AccountGrain(
    [PersistentState("account", StorageNames.GrainStore)] IPersistentState<AccountState> state,
    IEventLog eventLog,
    ILinkedInUpstream upstream,
    SafetyModeCache safety,
    SendThrottle throttle,
    [FromKeyedServices(BreakerServices.ClockKey)] TimeProvider time,
    IOptions<DispatchOptions> options,
    ILogger<AccountGrain> logger) : Grain, IAccountGrain, IRemindable
{
    /// <summary>
    /// The most recent final intents (sent or failed) kept in state, so that a campaign repeating a key
    /// it has just dispatched gets the recorded outcome at once, whatever the account's checks say now.
    /// Older keys are answered by the event log, asked right before a send. Bounded by count, not age,
    /// because every state write carries them all (docs/benchmarks.md, finding B).
    /// </summary>
    internal const int RecentFinalIntents = 8;
    /// <summary>Unknown intents count toward the caps, so they stay as long as a cap window can see them (a week and a day).</summary>
    private static readonly TimeSpan UnknownIntentRetention = TimeSpan.FromDays(8);
    /// <summary>
    /// The cap counters are re-derived from the event log this often (and on activation), so that
    /// deliveries recorded by another activation or by hand can never leave them drifting.
    /// </summary>
    private static readonly TimeSpan ReconcileEvery = TimeSpan.FromMinutes(10);
    /// <summary>How far ahead of this server's clock an event reported from outside may be dated (API.md §3).</summary>
    internal static readonly TimeSpan ExternalClockSkew = TimeSpan.FromMinutes(5);

    private string _workspaceId = "";
    private string _accountId = "";
    private TimeZoneInfo _zone = TimeZoneInfo.Utc;
    // The cap counters: derived from the event log on activation, never persisted as counters that could drift.
    private readonly CapCounter _caps = new();
    private DateTimeOffset _deliveredLoadedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _nextSendAt = DateTimeOffset.MinValue;
    // Made when a campaign is first refused for pacing: an account used by one campaign, or unpaced, has none.
    private PacingTurns? _turns;
    private bool _remindersUnsure;

    private AccountState S => state.State;
    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _accountId) = GrainKeys.Split(Key);
        if (!S.Exists)
        {
            return;
        }
        _zone = TimeZoneInfo.FindSystemTimeZoneById(S.TimeZone);
        await FlushOutboxAsync();
        await ResolvePendingIntentsAsync(cancellationToken);
        await LoadDeliveredAsync(cancellationToken);
        _remindersUnsure = S.Breakers.Values.Any(b => b.IsOpen);
        await EnsureRemindersAsync();
    }

    /// <summary>
    /// Routes an accept or reply posted through <c>POST /events</c>: to the campaign named, else to the
    /// campaign whose delivery to the prospect this account made last. (LinkedIn's own feed is read once
    /// for the whole cluster by the outcome feed reader, not by each account: see Outcomes/OutcomeFeedGrain.)
    /// The call is one-way: a campaign awaits this account while it dispatches, so this account must
    /// never await a campaign.
    /// </summary>
    private async Task<string?> RouteOutcomeAsync(string? campaignId, string prospectId, EventKind kind, DateTimeOffset at)
    {
        campaignId ??= (await eventLog.FindLatestSentToProspectAsync(_workspaceId, _accountId, prospectId))?.CampaignId;
        if (campaignId is null)
        {
            LogOutcomeUnmatched(Key, prospectId, "no delivery to this prospect from this account is logged");
            return null;
        }
        await GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_workspaceId, campaignId)).RecordProspectOutcomeAsync(prospectId, kind, at);
        return campaignId;
    }

    public async Task<AccountView> ConfigureAsync(AccountSettings settings)
    {
        var zone = settings.TimeZone is null ? _zone : ResolveZone(settings.TimeZone);
        if (settings.ResetDay is { } day && day is < 1 or > 31)
        {
            throw new ArgumentException($"resetDay must be a day of the month (1-31), not {day}.", nameof(settings));
        }
        foreach (var (action, limits) in settings.Limits ?? new Dictionary<ActionType, CapLimits>())
        {
            if (limits.Daily < 0 || limits.Weekly < 0)
            {
                throw new ArgumentException($"Caps of {action} must be zero or more (got daily {limits.Daily}, weekly {limits.Weekly}).", nameof(settings));
            }
        }

        // One LinkedIn seat, one workspace: the provider knows the account by its id alone. Asked on every
        // configuration, before anything is written, so an account created before seats were claimed is
        // claimed by the first workspace that configures it again.
        if (!await GrainFactory.GetGrain<ISeatGrain>(_accountId).ClaimAsync(_workspaceId))
        {
            throw SeatTakenException.For(_accountId);
        }

        var created = !S.Exists;
        var zoneChanged = zone.Id != _zone.Id;
        S.Exists = true;
        S.CreatedAt ??= time.GetUtcNow();
        S.TimeZone = zone.Id;
        _zone = zone;
        S.ResetDay = settings.ResetDay ?? S.ResetDay;
        S.WorkingHours = settings.WorkingHours ?? S.WorkingHours;
        S.Status = settings.Status ?? S.Status;
        if (settings.EndWarmUp)
        {
            S.WarmUp = null;
        }
        else if (settings.WarmUpDays is { } days)
        {
            if (days is < 1 or > WarmUp.MaxDays)
            {
                throw new ArgumentException($"A warm-up lasts 1 to {WarmUp.MaxDays} days, not {days}.", nameof(settings));
            }
            // Counted from now, as BRIEF §12 says: setting it again starts it again.
            S.WarmUp = new WarmUp(days, time.GetUtcNow());
        }
        foreach (var (action, limits) in settings.Limits ?? new Dictionary<ActionType, CapLimits>())
        {
            S.Limits[action] = limits;
        }
        await state.WriteStateAsync();
        if (created)
        {
            await GrainFactory.GetGrain<IWorkspaceGrain>(_workspaceId).AddAccountAsync(_accountId);
            await LoadDeliveredAsync(CancellationToken.None);
        }
        else if (zoneChanged)
        {
            // The counters are kept per local day: recount them in the new zone's days.
            await LoadDeliveredAsync(CancellationToken.None);
        }
        return BuildView();
    }

    public Task<AccountView> GetViewAsync() => Task.FromResult(BuildView());

    /// <summary>
    /// The checks after the breaker that refuse a send without calling LinkedIn, in the order dispatch runs
    /// them: the action disabled, the cap, the warm-up's ramp, working hours, pacing. Null: it may go now.
    /// </summary>
    private (DispatchStatus Status, Reason Reason, DateTimeOffset? At)? LocalRefusal(ActionType action, DateTimeOffset now)
    {
        var limits = S.LimitsFor(action);
        if (limits.Daily == 0 || limits.Weekly == 0)
        {
            return (DispatchStatus.Blocked, Reason.ActionDisabled, null);
        }
        var (today, thisWeek) = CapCounted(action, now);
        if (CapWindows.BlockedUntil(limits, today, thisWeek, now, _zone) is { } capUntil)
        {
            return (DispatchStatus.Deferred, Reason.CapReached, capUntil);
        }
        if (S.WarmUp is { } warmUp && CapWindows.BlockedUntil(WarmUpRamp.Effective(limits, warmUp, now, _zone), today, thisWeek, now, _zone) is not null)
        {
            // Under the full caps but over today's ramp: tomorrow's ramp is higher (BRIEF §12).
            return (DispatchStatus.Deferred, Reason.WarmUp, CapWindows.NextDayStart(now, _zone));
        }
        if (WorkingHoursCalendar.NextOpening(now, _zone, S.WorkingHours ?? options.Value.WorkingHours) is { } opens)
        {
            return (DispatchStatus.Deferred, Reason.OutsideWorkingHours, opens);
        }
        if (now < _nextSendAt)
        {
            return (DispatchStatus.Deferred, Reason.Pacing, _nextSendAt);
        }
        return null;
    }

    /// <summary>Why an account that is not connected sends nothing.</summary>
    private Reason StatusReason => S.Status == AccountStatus.Restricted ? Reason.AccountRestricted : Reason.AccountDisconnected;

    public Task<SeatView> GetSeatAsync(IReadOnlyList<ActionType> actions) => Task.FromResult(BuildSeat(actions));

    public async Task<SeatView> WatchBreakerAsync(string campaignId, ActionType action)
    {
        if (S.Breaker(action).IsOpen && AddWaitingCampaign(action, campaignId))
        {
            await state.WriteStateAsync();
        }
        return BuildSeat([action]);
    }

    /// <summary>What dispatch would answer for each action now, short of the safety mode and the event log (BRIEF §11).</summary>
    private SeatView BuildSeat(IReadOnlyList<ActionType> actions)
    {
        var now = time.GetUtcNow();
        var seat = new Dictionary<ActionType, SeatAction>();
        foreach (var action in actions.Distinct())
        {
            var limits = S.LimitsFor(action);
            var (today, _) = CapCounted(action, now);
            var daily = WarmUpRamp.Effective(limits, S.WarmUp, now, _zone).Daily;
            var breaker = S.Breaker(action);
            var (reason, at, trip) = (Reason.None, (DateTimeOffset?)null, (DateTimeOffset?)null);
            if (!S.Exists || S.Status != AccountStatus.Connected)
            {
                reason = StatusReason;
            }
            else if (Breaker.Decide(breaker) == BreakerDecision.Skip && !Breaker.ResumeDue(breaker, now))
            {
                (reason, at, trip) = (Breaker.SkipReason(action, breaker.Reason), breaker.ResumeAt, breaker.TrippedAt);
            }
            else if (LocalRefusal(action, now) is { } refusal)
            {
                (reason, at) = (refusal.Reason, refusal.At);
            }
            seat[action] = new SeatAction { Reason = reason, At = at, Today = today, DailyCap = daily, TripId = trip };
        }
        return new SeatView { AccountId = _accountId, Exists = S.Exists, Status = S.Status, Actions = seat };
    }

    public async Task<DispatchResult> DispatchAsync(DispatchCommand command)
    {
        var result = await DispatchCoreAsync(command);
        if (result.Outcome is null)
        {
            BreakerMetrics.Refusal(result.Status, result.Reason, command.Action);
        }
        return result;
    }

    private async Task<DispatchResult> DispatchCoreAsync(DispatchCommand command)
    {
        var now = time.GetUtcNow();
        var key = command.Key;

        // A key this activation still holds answers at once. The event log (for keys older than the
        // intents kept in state) is asked only below, when a send would otherwise happen: a refusal
        // before LinkedIn sends nothing either way, so the skip path never touches the database.
        if (S.Intents.TryGetValue(key, out var held))
        {
            return Replay(held.Status, held.Reason, held.At);
        }
        if (!S.Exists)
        {
            return Result(DispatchStatus.Blocked, Reason.AccountDisconnected, now);
        }
        if (S.Status != AccountStatus.Connected)
        {
            return Result(DispatchStatus.Blocked, StatusReason, now);
        }

        var workspaceSafety = await safety.GetAsync(_workspaceId);
        if (workspaceSafety.State == SafetyState.Open)
        {
            return Result(DispatchStatus.Blocked, Reason.SafetyMode, now, workspaceSafety.ResumeAt);
        }

        var breaker = S.Breaker(command.Action);
        if (Breaker.ResumeDue(breaker, now))
        {
            // The reset instant passed and its (jittered) reminder has not fired yet: resume now,
            // exactly as the reminder would. Idempotent with the reminder's own tick.
            await ResumeAsync(command.Action, now);
            breaker = S.Breaker(command.Action);
        }
        if (Breaker.Decide(breaker) == BreakerDecision.Skip)
        {
            // A key already dispatched (its campaign lost our answer) gets its recorded outcome, not a
            // skip that would hide the delivery from the campaign until the breaker resumes.
            return await FindOutcomeBeforeSkipAsync(key) ?? await SkipAsync(command, breaker, now);
        }

        if (now - _deliveredLoadedAt > ReconcileEvery)
        {
            await LoadDeliveredAsync(CancellationToken.None);
        }
        if (LocalRefusal(command.Action, now) is { } refusal)
        {
            if (refusal is { Reason: Reason.Pacing, At: { } slot })
            {
                (_turns ??= new PacingTurns(options.Value.CampaignTick * 2 + TimeSpan.FromSeconds(1))).Waiting(command.CampaignId, slot);
            }
            return Result(refusal.Status, refusal.Reason, now, refusal.At);
        }
        if (_turns?.Held(command.CampaignId, now) is { } turnEnds)
        {
            // The slot is another campaign's turn, kept for it while it comes back (campaigns sharing the account take turns).
            return Result(DispatchStatus.Deferred, Reason.Pacing, now, turnEnds);
        }
        if (await FindLoggedOutcomeAsync(key) is { } recorded)
        {
            return recorded;
        }
        // Half-open: one probe for the whole workspace, taken only once every local check has passed.
        var probe = workspaceSafety.State == SafetyState.HalfOpen;
        if (probe && !await SafetyGrain.TryAcquireProbeAsync(_accountId))
        {
            return Result(DispatchStatus.Blocked, Reason.SafetyMode, now);
        }

        // Persist the intent before the upstream call. The write is ETag-checked, so a brief duplicate
        // activation of this account fails here, before it sends.
        S.Intents[key] = new IntentRecord(key, command.Action, command.CampaignId, command.ProspectId, IntentStatus.Pending, now);
        PruneIntents(now, keep: key);
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            S.Intents.Remove(key);
            LogIntentNotPersisted(Key, key, ex);
            if (ex is InconsistentStateException)
            {
                DeactivateOnIdle();
            }
            if (probe)
            {
                await SafetyGrain.ReportProbeAsync(_accountId, null);
            }
            return Result(DispatchStatus.Blocked, Reason.StorageUnavailable, now);
        }

        var verdict = await CallUpstreamAsync(command);
        var sentAt = time.GetUtcNow();
        var events = new List<EventRecord>();
        var before = (S.Breaker(command.Action), S.Status);
        var result = await ApplyVerdictAsync(command, verdict, sentAt, events);
        // A plain outcome (sent, or failed for this recipient) changes nothing in state but the intent,
        // and the event log has just recorded it: that write rides on the next intent write. Until then
        // a reactivation reads the intent as pending and resolves it from the log. Anything else (a trip,
        // a status change, an unknown outcome, an event the log refused) is written now.
        var plain = verdict.Class is OutcomeClass.Delivered or OutcomeClass.RecipientUnavailable
            && S.Intents.TryGetValue(key, out var final) && final.Status is IntentStatus.Sent or IntentStatus.Failed
            && before == (S.Breaker(command.Action), S.Status);
        await PersistOutcomeAsync(events, writeState: !plain);
        result = await ReportToSafetyModeAsync(command, verdict, probe, result, sentAt);
        if (verdict.Class == OutcomeClass.Delivered)
        {
            var o = options.Value;
            var jitter = o.MaxJitter > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * o.MaxJitter.TotalMilliseconds) : TimeSpan.Zero;
            _nextSendAt = sentAt + o.MinInterval + jitter;
            _turns?.Sent(command.CampaignId, _nextSendAt);
            result = result with { NextSendAt = _nextSendAt };
        }
        return result;
    }

    public async Task<ExternalEventResult> RecordExternalEventAsync(ExternalEvent evt)
    {
        var now = time.GetUtcNow();
        if (evt.At > now + ExternalClockSkew)
        {
            throw new ArgumentException(
                $"at {evt.At.UtcDateTime:O} is in the future: this server's clock says {now.UtcDateTime:O}, and at most {ExternalClockSkew.TotalMinutes:0} minutes of clock skew is allowed.", nameof(evt));
        }
        if (S.CreatedAt is { } createdAt && evt.At < createdAt - ExternalClockSkew)
        {
            throw new ArgumentException(
                $"at {evt.At.UtcDateTime:O} is before account {_accountId} was created ({createdAt.UtcDateTime:O}): nothing of it can be recorded.", nameof(evt));
        }
        // Within the skew allowed, a time ahead of ours is ours: nothing may be dated after now (BRIEF §7).
        var at = evt.At > now ? now : evt.At;
        // The same event posted twice is recorded and counted once: its key is what identifies it.
        var key = $"external/{evt.Kind}/{evt.Action}/{evt.ProspectId}/{at.UtcTicks}";
        if (FindInOutbox(key) is not null || await eventLog.FindByKeyAsync(_workspaceId, _accountId, key) is not null)
        {
            return new ExternalEventResult { Duplicate = true, CampaignId = evt.CampaignId };
        }
        var record = Event(evt.Kind, evt.Action, at) with
        {
            CampaignId = evt.Kind == EventKind.Sent ? evt.CampaignId : null,
            ProspectId = evt.ProspectId, Source = evt.Source, Key = key,
        };
        await eventLog.AppendAsync([record]);
        if (evt.Kind is EventKind.Accepted or EventKind.Replied && evt.ProspectId is { } prospectId)
        {
            // The account's own record stays campaign-less: the campaign writes the one its Activity shows.
            return new ExternalEventResult { CampaignId = await RouteOutcomeAsync(evt.CampaignId, prospectId, evt.Kind, at) };
        }
        if (evt.Kind != EventKind.Sent)
        {
            return new ExternalEventResult();
        }
        _caps.Add(evt.Action, at);
        var breaker = S.Breaker(evt.Action);
        var cleared = Breaker.ClearOnSuccess(breaker, at);
        if (cleared != breaker)
        {
            await ClearAsync(evt.Action, cleared, "a successful action reported from outside", now);
        }
        return new ExternalEventResult { CampaignId = evt.CampaignId };
    }

    private ISafetyModeGrain SafetyGrain => GrainFactory.GetGrain<ISafetyModeGrain>(_workspaceId);

    /// <summary>
    /// Feeds the workspace safety mode: transient failures count toward a trip; a half-open probe's
    /// outcome closes or re-opens it. A failure that tripped it is the prospect's "failed (circuit breaker)".
    /// </summary>
    private async Task<DispatchResult> ReportToSafetyModeAsync(DispatchCommand command, UpstreamVerdict verdict, bool probe, DispatchResult result, DateTimeOffset now)
    {
        var transient = verdict.Class is OutcomeClass.RateLimited or OutcomeClass.UpstreamError;
        try
        {
            if (probe)
            {
                safety.Update(_workspaceId, await SafetyGrain.ReportProbeAsync(_accountId, !transient));
            }
            else if (transient)
            {
                var view = await SafetyGrain.ReportErrorAsync(new SafetyErrorReport(_accountId, command.CampaignId, command.ProspectId, verdict.Class, now));
                safety.Update(_workspaceId, view);
                if (view.State != SafetyState.Closed && result.Status == DispatchStatus.Retry)
                {
                    return result with { Status = DispatchStatus.Failed, Reason = Reason.CircuitBreaker, ResumeAt = view.ResumeAt };
                }
            }
        }
        catch (Exception ex)
        {
            // The outcome is recorded; the safety mode learns of the next error instead.
            LogSafetyReportFailed(Key, ex);
        }
        return result;
    }

    private async Task<UpstreamVerdict> CallUpstreamAsync(DispatchCommand command)
    {
        var request = new UpstreamRequest(_accountId, command.Action, command.ProspectId, command.ProfileUrl, GrainKeys.ProviderKey(_workspaceId, command.Key));
        UpstreamAnswer answer;
        using var timeout = new CancellationTokenSource(options.Value.UpstreamTimeout);
        try
        {
            answer = await throttle.RunAsync(() => upstream.SendAsync(request, timeout.Token));
        }
        catch (Exception ex)
        {
            // We cannot tell whether the request left the process: treat it as possibly performed.
            LogUpstreamThrew(Key, command.Key, ex);
            answer = UpstreamAnswer.TimedOut;
        }
        var verdict = UpstreamClassifier.Classify(command.Action, answer);
        BreakerMetrics.Outcome(verdict.Class, command.Action);
        LogUpstreamAnswer(Key, command.Action, command.ProspectId, verdict.Class, verdict.Code);
        return verdict;
    }

    private async Task<DispatchResult> ApplyVerdictAsync(DispatchCommand command, UpstreamVerdict verdict, DateTimeOffset now, List<EventRecord> events)
    {
        var key = command.Key;
        var action = command.Action;
        switch (verdict.Class)
        {
            case OutcomeClass.Delivered:
                S.Intents[key] = S.Intents[key] with { Status = IntentStatus.Sent, At = now };
                _caps.Add(action, now);
                events.Add(Event(EventKind.Sent, action, now, command) with { Key = key });
                if (S.Breaker(action).State == BreakerState.Probing)
                {
                    await ClearAsync(action, Breaker.ClearOnSuccess(S.Breaker(action), now), "the post-reset probe succeeded", now, persist: false, events);
                }
                return Result(DispatchStatus.Sent, Reason.None, now, outcome: verdict.Class);

            case OutcomeClass.CreditsExhausted:
            case OutcomeClass.ActionLimitReached:
                S.Intents.Remove(key);
                return await TripAsync(command, verdict.Class, verdict.Code, now, events);

            case OutcomeClass.RecipientUnavailable when verdict.Ambiguous:
                var (updated, shouldTrip) = Breaker.RecordAmbiguous(S.Breaker(action), command.ProspectId, now);
                S.Breakers[action] = updated;
                if (shouldTrip)
                {
                    S.Intents.Remove(key);
                    return await TripAsync(command, OutcomeClass.CreditsExhausted,
                        $"{verdict.Code} from {Breaker.AmbiguousDistinctRecipients} distinct recipients within 24 h", now, events);
                }
                return Fail(command, verdict, now, events);

            case OutcomeClass.RecipientUnavailable:
                return Fail(command, verdict, now, events);

            case OutcomeClass.AccountDisconnected:
            case OutcomeClass.AccountRestricted:
                S.Intents.Remove(key);
                S.Status = verdict.Class == OutcomeClass.AccountRestricted ? AccountStatus.Restricted : AccountStatus.Disconnected;
                var reason = verdict.Class == OutcomeClass.AccountRestricted ? Reason.AccountRestricted : Reason.AccountDisconnected;
                events.Add(Event(EventKind.AccountStatusChanged, action, now, command) with { Reason = reason, Text = $"Account {S.Status}: {verdict.Code}" });
                LogStatusChanged(Key, S.Status, verdict.Code);
                return Result(DispatchStatus.Blocked, reason, now, outcome: verdict.Class);

            default:
                if (verdict.OutcomeUncertain)
                {
                    S.Intents[key] = S.Intents[key] with { Status = IntentStatus.Unknown, At = now, Reason = Reason.OutcomeUnknown };
                    events.Add(Event(EventKind.Unknown, action, now, command) with { Key = key, Reason = Reason.OutcomeUnknown, Text = $"Outcome unknown ({verdict.Code}): not re-sent" });
                    return Result(DispatchStatus.Unknown, Reason.OutcomeUnknown, now, outcome: verdict.Class);
                }
                S.Intents.Remove(key);
                return Result(DispatchStatus.Retry, verdict.Class == OutcomeClass.RateLimited ? Reason.RateLimited : Reason.UpstreamError, now, outcome: verdict.Class);
        }
    }

    private DispatchResult Fail(DispatchCommand command, UpstreamVerdict verdict, DateTimeOffset now, List<EventRecord> events)
    {
        S.Intents[command.Key] = S.Intents[command.Key] with { Status = IntentStatus.Failed, At = now, Reason = Reason.RecipientUnavailable };
        events.Add(Event(EventKind.Failed, command.Action, now, command) with { Key = command.Key, Reason = Reason.RecipientUnavailable, Text = $"Failed: {command.Action} ({verdict.Code})" });
        return Result(DispatchStatus.Failed, Reason.RecipientUnavailable, now, outcome: verdict.Class);
    }

    private async Task<DispatchResult?> FindLoggedOutcomeAsync(string key)
    {
        var logged = await FindOutcomeEventAsync(key, CancellationToken.None);
        return logged is null ? null : Replay(OutcomeOf(logged.Kind), logged.Reason, logged.At);
    }

    /// <summary>
    /// A skip must not hide a delivery its campaign lost the answer to; but a skip sends nothing, so when
    /// the log cannot be read the skip stands (it is what the account would answer without the lookup).
    /// </summary>
    private async Task<DispatchResult?> FindOutcomeBeforeSkipAsync(string key)
    {
        try
        {
            return await FindLoggedOutcomeAsync(key);
        }
        catch (Exception ex)
        {
            LogReplayLookupFailed(Key, key, ex);
            return null;
        }
    }

    /// <summary>
    /// The recorded outcome of a key, wherever the account holds it: the events still waiting in its outbox
    /// (the log refused them for now), then the log. Nothing the account knows about a key may be missed
    /// by the check that runs before a send.
    /// </summary>
    private async Task<EventRecord?> FindOutcomeEventAsync(string key, CancellationToken cancellationToken) =>
        FindInOutbox(key) ?? await eventLog.FindByKeyAsync(_workspaceId, _accountId, key, cancellationToken);

    private EventRecord? FindInOutbox(string key)
    {
        for (var i = S.Outbox.Count - 1; i >= 0; i--)
        {
            if (S.Outbox[i].Key == key)
            {
                return S.Outbox[i];
            }
        }
        return null;
    }

    /// <summary>The outcome a logged event records for its idempotency key.</summary>
    private static IntentStatus OutcomeOf(EventKind kind) => kind switch
    {
        EventKind.Sent => IntentStatus.Sent,
        EventKind.Failed => IntentStatus.Failed,
        _ => IntentStatus.Unknown,
    };

    private static DispatchResult Replay(IntentStatus status, Reason reason, DateTimeOffset at) => new()
    {
        Status = status switch
        {
            IntentStatus.Sent => DispatchStatus.Sent,
            IntentStatus.Failed => DispatchStatus.Failed,
            _ => DispatchStatus.Unknown,
        },
        Reason = status is IntentStatus.Pending or IntentStatus.Unknown ? Reason.OutcomeUnknown : reason,
        Replayed = true,
        At = at,
    };

    /// <summary>
    /// What the caps count: every delivery in the event log, plus every send whose outcome is unknown
    /// (it may have been performed; when in doubt, the cap assumes it was).
    /// </summary>
    private (int Today, int ThisWeek) CapCounted(ActionType action, DateTimeOffset now)
    {
        var (today, week) = _caps.Count(action, now);
        List<DeliveredAction>? unknown = null;
        foreach (var intent in S.Intents.Values)
        {
            if (intent.Status == IntentStatus.Unknown && intent.Action == action)
            {
                (unknown ??= []).Add(new DeliveredAction(intent.Action, intent.At));
            }
        }
        if (unknown is null)
        {
            return (today, week);
        }
        var (unknownToday, unknownWeek) = CapWindows.Count(unknown, action, now, _zone);
        return (today + unknownToday, week + unknownWeek);
    }

    /// <summary>
    /// Keeps pending intents, unknown ones while a cap window can count them (a week and a day), and
    /// the <see cref="RecentFinalIntents"/> latest final ones; <paramref name="keep"/> always stays.
    /// </summary>
    private void PruneIntents(DateTimeOffset now, string? keep = null)
    {
        var finals = 0;
        var staleUnknown = false;
        foreach (var intent in S.Intents.Values)
        {
            finals += intent.Status is IntentStatus.Sent or IntentStatus.Failed ? 1 : 0;
            staleUnknown |= intent.Status == IntentStatus.Unknown && now - intent.At > UnknownIntentRetention;
        }
        // Most dispatches find nothing to drop: sort only when something must go.
        if (finals <= RecentFinalIntents && !staleUnknown)
        {
            return;
        }
        var kept = 0;
        foreach (var intent in S.Intents.Values.OrderByDescending(i => i.At).ToList())
        {
            var drop = intent.Status switch
            {
                IntentStatus.Pending => false,
                IntentStatus.Unknown => now - intent.At > UnknownIntentRetention,
                _ => ++kept > RecentFinalIntents,
            };
            if (drop && intent.Key != keep)
            {
                S.Intents.Remove(intent.Key);
            }
        }
    }

    private async Task PersistOutcomeAsync(List<EventRecord> events, bool writeState = true)
    {
        if (events.Count > 0)
        {
            try
            {
                await eventLog.AppendAsync(events);
            }
            catch (Exception ex)
            {
                // Nothing is lost: the events ride in the grain state until the log takes them.
                LogEventLogUnavailable(Key, events.Count, ex);
                S.Outbox.AddRange(events);
                writeState = true;
            }
        }
        if (!writeState)
        {
            return;
        }
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            // The outcome is in the event log (or will be resolved from it): a reactivation finds the
            // pending intent, looks its key up in the log, and marks it Unknown if it is not there.
            LogOutcomeNotPersisted(Key, ex);
            if (ex is InconsistentStateException)
            {
                DeactivateOnIdle();
            }
        }
    }

    private async Task FlushOutboxAsync()
    {
        if (S.Outbox.Count == 0)
        {
            return;
        }
        try
        {
            await eventLog.AppendAsync(S.Outbox);
            S.Outbox.Clear();
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            LogEventLogUnavailable(Key, S.Outbox.Count, ex);
        }
    }

    private async Task ResolvePendingIntentsAsync(CancellationToken cancellationToken)
    {
        var pending = S.Intents.Values.Where(i => i.Status == IntentStatus.Pending).ToList();
        if (pending.Count == 0)
        {
            return;
        }
        var events = new List<EventRecord>();
        foreach (var intent in pending)
        {
            // The outcome of the last dispatch before a deactivation is written with the next intent,
            // so a pending intent is usually one whose outcome the log already holds.
            var logged = await FindOutcomeEventAsync(intent.Key, cancellationToken);
            if (logged?.Kind is EventKind.Sent or EventKind.Failed or EventKind.Unknown)
            {
                S.Intents[intent.Key] = intent with { Status = OutcomeOf(logged.Kind), At = logged.At, Reason = logged.Reason };
                continue;
            }
            // A crash between the intent write and the outcome: LinkedIn may have performed it.
            // Never re-sent automatically; surfaced to the user as Unknown.
            var now = time.GetUtcNow();
            S.Intents[intent.Key] = intent with { Status = IntentStatus.Unknown, At = now, Reason = Reason.OutcomeUnknown };
            events.Add(Event(EventKind.Unknown, intent.Action, now) with
            {
                CampaignId = intent.CampaignId, ProspectId = intent.ProspectId, Key = intent.Key, Reason = Reason.OutcomeUnknown,
                Text = "Outcome unknown: the dispatch was interrupted; not re-sent",
            });
            LogIntentUnknown(Key, intent.Key);
        }
        if (events.Count > 0)
        {
            await eventLog.AppendAsync(events, cancellationToken);
        }
        PruneIntents(time.GetUtcNow());
        await state.WriteStateAsync();
    }

    private async Task LoadDeliveredAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var since = CapWindows.WeekStart(now, _zone).AddDays(-1);
        var delivered = await eventLog.ReadDeliveredSinceAsync(_workspaceId, _accountId, since, cancellationToken);
        var outboxed = S.Outbox.Where(e => e.Kind == EventKind.Sent && e.Action is not null).Select(e => new DeliveredAction(e.Action!.Value, e.At));
        // A row dated after now (written to the log by hand, or by a clock gone wrong) decides nothing: it
        // would hold a cap or push pacing to that date, and a date near the end of time would overflow.
        _caps.Reset(delivered.Concat(outboxed).Where(d => d.At <= now), _zone);
        _deliveredLoadedAt = now;
        // Pacing survives a move to another silo: the last delivery, wherever it happened, sets the next slot.
        if (_caps.LastAt is { } lastAt)
        {
            var next = lastAt + options.Value.MinInterval;
            _nextSendAt = next > _nextSendAt ? next : _nextSendAt;
        }
    }

    private AccountView BuildView()
    {
        var now = time.GetUtcNow();
        return new AccountView
        {
            Id = _accountId,
            WorkspaceId = _workspaceId,
            Exists = S.Exists,
            Status = S.Status,
            TimeZone = S.TimeZone,
            UnknownIntents = S.Intents.Values.Count(i => i.Status == IntentStatus.Unknown),
            Breakers = ActionTypes.All.ToDictionary(a => a, a =>
            {
                var b = S.Breaker(a);
                return new BreakerView
                {
                    State = b.State, Reason = b.Reason, TrippedAt = b.TrippedAt, ResumeAt = b.ResumeAt,
                    Evidence = b.Evidence, ClearsBy = Breaker.ClearsBy(b, a),
                };
            }),
            Usage = ActionTypes.All.ToDictionary(a => a, a =>
            {
                var limits = S.LimitsFor(a);
                var ramped = WarmUpRamp.Effective(limits, S.WarmUp, now, _zone);
                var (today, week) = CapCounted(a, now);
                return new UsageView(today, ramped.Daily, week, ramped.Weekly) { FullDailyCap = limits.Daily, FullWeeklyCap = limits.Weekly };
            }),
            WarmUp = S.WarmUp is { } w && WarmUpRamp.Ramping(w, now, _zone) ? new WarmUpView(w.Days, w.StartedAt, WarmUpRamp.Day(w.StartedAt, now, _zone)) : null,
        };
    }

    private EventRecord Event(EventKind kind, ActionType action, DateTimeOffset at, DispatchCommand? command = null) => new()
    {
        At = at,
        Kind = kind,
        WorkspaceId = _workspaceId,
        AccountId = _accountId,
        Action = action,
        CampaignId = command?.CampaignId,
        ProspectId = command?.ProspectId,
        Text = ActivityText.For(kind, Reason.None, action),
    };

    private static DispatchResult Result(DispatchStatus status, Reason reason, DateTimeOffset now, DateTimeOffset? resumeAt = null, OutcomeClass? outcome = null) =>
        new() { Status = status, Reason = reason, ResumeAt = resumeAt, At = now, Outcome = outcome };

    private static TimeZoneInfo ResolveZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"Unknown time zone '{id}': use an IANA name such as 'Europe/Paris' or 'UTC'.", nameof(id));
        }
    }
}
