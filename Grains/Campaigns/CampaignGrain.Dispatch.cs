using Orleans.Storage;

namespace OrleansBreaker.Campaigns;

internal sealed partial class CampaignGrain
{
    public async Task<int> RunDueAsync()
    {
        if (!S.Exists || !S.Active)
        {
            return 0;
        }
        await EnsureReadyAsync();
        await FlushOutboxAsync();
        var now = time.GetUtcNow();
        var pooled = S.Accounts.Count > 1;
        if (pooled)
        {
            await ReadSeatsAsync(SeatRefresh, now);
        }
        // A pool's prospects bound to a seat that has just sent wait its interval, unwritten, without
        // keeping the others from being read. Each seat that may send takes up to a batch per run, as a
        // single account's campaign does.
        var skip = pooled ? _seats.Paced(now) : null;
        var batch = options.Value.BatchSize;
        if (pooled)
        {
            batch = Math.Min(MaxRunBatch, batch * Math.Max(1, S.Accounts.Count - skip!.Count));
        }
        var due = await store.ReadDueAsync(_key, now, batch, skip);
        if (due.Count == 0)
        {
            return 0;
        }
        var run = new Run(pooled, now);
        var offers = await OfferAsync(due, now, run.Changes, run.Events);
        // Each seat sends its offers in order, one after another (its pacing and caps are its own); different
        // seats send at the same time. A single-account campaign is one seat: exactly the order of before.
        await Task.WhenAll(offers.GroupBy(o => o.Account, StringComparer.Ordinal).Select(seat => SendAsync(seat, run)));
        if (pooled && run.Paced.Count > 0 && !run.Answered)
        {
            // Every account asked is between two sends: come back when the first of them can send again, as a
            // single account's campaign does, so a pool is not always late for seats it shares with others.
            _pacedUntil = _seats.PacedUntil(run.Paced);
        }
        S.Offers = [];
        NoteHealth(now, run.Events);
        await CommitAsync(run.Changes, run.Events);
        return due.Count;
    }

    /// <summary>At most this many prospects are read by one run of a pool, whatever its size.</summary>
    internal const int MaxRunBatch = 500;

    /// <summary>What one run has learned so far; its seats' sends add to it on the activation's one thread.</summary>
    private sealed class Run(bool pooled, DateTimeOffset now)
    {
        public bool Pooled { get; } = pooled;
        public DateTimeOffset Now { get; } = now;
        public List<(ProspectRecord Before, ProspectRecord After)> Changes { get; } = [];
        public List<EventRecord> Events { get; } = [];
        /// <summary>Accounts that answered "paced" in this run: their other prospects stay due, unwritten, for the next.</summary>
        public HashSet<string> Paced { get; } = new(StringComparer.Ordinal);
        public bool Answered { get; set; }
        /// <summary>A wall every seat would meet (storage, safety mode): nothing more goes in this run.</summary>
        public bool Stopped { get; set; }
    }

    /// <summary>Sends one seat's offers of a run, in order, until it is paced or meets a wall.</summary>
    private async Task SendAsync(IEnumerable<Offer> offers, Run run)
    {
        var (pooled, now) = (run.Pooled, run.Now);
        foreach (var (prospect, action, account, unbound) in offers)
        {
            if (run.Stopped || run.Paced.Contains(account))
            {
                return;
            }
            if (pooled && !SeatMayTake(account, action, unbound))
            {
                // This run learned the account cannot take it (a prospect not bound yet goes elsewhere, a bound
                // one gets its skip without asking): never offered, it stays due for the next run.
                continue;
            }
            DispatchResult result;
            var unanswered = false;
            try
            {
                result = await Account(account).DispatchAsync(new DispatchCommand
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
                unanswered = true;
            }
            _seats.Learn(account, action, result, now, planned: unbound && pooled);
            if (result.Status == DispatchStatus.Deferred && result.Reason == Reason.Pacing)
            {
                // The account sends one action per interval: every prospect after this one would be paced too.
                // None is written (each would be a row update per prospect per send); they stay due, in order,
                // and the campaign waits until the account can send again.
                run.Paced.Add(account);
                if (!pooled)
                {
                    _pacedUntil = result.ResumeAt;
                }
                return;
            }
            run.Answered = true;
            if (unbound && pooled && SeatRefused(result))
            {
                // This seat cannot take it (the board now knows why): another seat takes it on the next run.
                continue;
            }
            var next = Apply(prospect, action, result, now, run.Events, account);
            if (unbound && unanswered && pooled)
            {
                // Whether that account sent it is unknown to us: it stays with that seat, which alone can tell.
                next = next with { AccountId = account };
            }
            run.Changes.Add((prospect, next));
            if (result.Status == DispatchStatus.Blocked && (result.Reason is Reason.StorageUnavailable or Reason.SafetyMode
                || (!pooled && result.Reason is Reason.AccountDisconnected or Reason.AccountRestricted)))
            {
                run.Stopped = true; // the rest would meet the same wall; they stay due for the next run
                return;
            }
        }
    }

    /// <summary>
    /// Whether the board still lets this run offer the prospect to the seat: asked at the time of each send, not
    /// of the run (without pacing, a seat that has just sent may send again at once).
    /// </summary>
    private bool SeatMayTake(string account, ActionType action, bool unbound)
    {
        var at = time.GetUtcNow();
        return unbound ? _seats.CanSend(account, action, at) : !_seats.IsOpen(account, action, at);
    }

    private IAccountGrain Account(string accountId) => GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_workspaceId, accountId));

    private ProspectRecord Apply(ProspectRecord prospect, ActionType action, DispatchResult result, DateTimeOffset now, List<EventRecord> events, string account)
    {
        var (next, effect) = ProspectMachine.Apply(prospect, result, S.Steps, now);
        var c = S.Counters;
        if (effect.CountSent || result.Status == DispatchStatus.Unknown)
        {
            // A conversation stays with the seat that started it (BRIEF §11): bound by the first delivery, or by
            // a send whose outcome is unknown (only that seat can tell, and it is never re-sent anyway).
            next = next.AccountId is null ? next with { AccountId = account } : next;
        }
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
            events.Add(NewEvent(EventKind.Skipped, action, prospect.Id, now, account) with
            {
                // One skip per prospect step per trip, in the log too: a re-appended outbox stores it once.
                Key = $"{_campaignId}/{prospect.Id}/{prospect.StepIndex}/skip/{result.TripId?.UtcTicks ?? 0}",
                Reason = result.Reason,
                ResumeAt = result.ResumeAt,
                Text = ActivityText.For(EventKind.Skipped, result.Reason, action),
            });
        }
        S.Counters = c;
        return next;
    }

    /// <summary>
    /// Brings the activation up to date before it does anything: the legacy prospects moved to the store,
    /// the stored batch in flight written there, counts read, and a state write that failed done again.
    /// Throws while any of it cannot be done: dispatching on prospects older than the counters would
    /// send a step again and count it twice.
    /// </summary>
    private async Task EnsureReadyAsync()
    {
        await EnsureLoadedAsync();
        if (_unsaved)
        {
            // What the last run did is not stored yet: store it (with its events) before doing more.
            await CommitAsync([], []);
        }
        else if (_pendingUnapplied)
        {
            await ApplyPendingAsync(throwOnFailure: true);
        }
    }

    /// <summary>
    /// What readers need: the legacy prospects moved, the stored batch in flight written, the counts read.
    /// Once per activation; reads interleave with other calls, so concurrent callers share the one load.
    /// </summary>
    private Task EnsureLoadedAsync() => _ready ? Task.CompletedTask : _loading ??= LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            if (S.Prospects.Count > 0)
            {
                await MigrateLegacyProspectsAsync();
            }
            if (S.Pending.Count > 0)
            {
                // Written already, or overtaken by a later change: the compare-and-set refuses those, as it should.
                await store.UpdateAsync(_key, S.Pending);
            }
            _stats.Load(await store.CountAsync(_key));
            _ready = true;
        }
        finally
        {
            // A load that failed (storage away) is tried again by the next caller.
            _loading = null;
        }
    }

    /// <summary>
    /// A prospect as this activation knows it: the change of the last run while it is not in the store yet
    /// (storage down), else the stored row. So a prospect shows what stopped it even while storage is away.
    /// </summary>
    private async Task<ProspectRecord?> ReadProspectAsync(string prospectId)
    {
        if ((_unsaved || _pendingUnapplied) && S.Pending.Find(p => p.Id == prospectId) is { } pending)
        {
            return pending;
        }
        return await store.GetAsync(_key, prospectId);
    }

    private async Task MigrateLegacyProspectsAsync()
    {
        var legacy = S.Prospects.Values.ToList();
        for (var i = 0; i < legacy.Count; i += MaxPage)
        {
            await store.AddAsync(_key, legacy.GetRange(i, Math.Min(MaxPage, legacy.Count - i)));
        }
        S.Prospects.Clear();
        await state.WriteStateAsync();
        LogMigrated(_campaignId, legacy.Count);
    }

    /// <summary>
    /// Stores the state (counters, events, and the prospect changes that produced them) in one write, then
    /// writes the prospects to the store and appends the events. The state write is the commit point:
    /// if it fails, nothing is stored and the work is redone (the account replays what it recorded, a skip
    /// is recorded again with the same key); once it is done, the prospects and events follow, now or at
    /// the next activation.
    /// </summary>
    private async Task CommitAsync(IReadOnlyList<(ProspectRecord Before, ProspectRecord After)> changes, IReadOnlyList<EventRecord> events)
    {
        if (changes.Count > 0)
        {
            // The store writes each prospect over the version it was read at.
            S.Pending = [.. changes.Select(c => c.After with { Version = c.Before.Version + 1 })];
            foreach (var (before, after) in changes)
            {
                _stats.Changed(before, after);
            }
            ProspectsChanged();
        }
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
        _pendingUnapplied = S.Pending.Count > 0;
        await ApplyPendingAsync(throwOnFailure: false);
        await FlushOutboxAsync();
    }

    /// <summary>
    /// Writes the stored batch to the prospect store. Emptying it is written with the next state write:
    /// until then a reactivation writes it again, which the compare-and-set turns into nothing.
    /// </summary>
    private async Task ApplyPendingAsync(bool throwOnFailure)
    {
        if (!_pendingUnapplied)
        {
            return;
        }
        IReadOnlyList<string> refused;
        try
        {
            refused = await store.UpdateAsync(_key, S.Pending);
        }
        catch (Exception ex)
        {
            LogProspectsNotWritten(_campaignId, S.Pending.Count, ex);
            if (throwOnFailure)
            {
                throw;
            }
            return;
        }
        _pendingUnapplied = false;
        S.Pending = [];
        if (refused.Count > 0)
        {
            // Someone else changed these prospects since this activation read them: another activation.
            // What this one holds is stale; the next activation counts again from the store.
            LogProspectsOvertaken(_campaignId, refused.Count);
            DeactivateOnIdle();
        }
    }

    /// <summary>
    /// Changes every prospect matching <paramref name="filter"/> with <paramref name="change"/>, a page at a
    /// time, straight in the store: for changes that count nothing (a breaker cleared, steps removed), so
    /// they need not ride in the state. Returns how many changed.
    /// </summary>
    private async Task<int> UpdateWhereAsync(ProspectFilter filter, Func<ProspectRecord, ProspectRecord> change)
    {
        var changed = 0;
        string? after = null;
        while (true)
        {
            var page = await store.ListAsync(_key, filter, after, MaxPage);
            var updates = page.Select(p => (Before: p, After: change(p))).Where(c => c.After != c.Before)
                .Select(c => (c.Before, After: c.After with { Version = c.Before.Version + 1 })).ToList();
            if (updates.Count > 0)
            {
                var refused = (await store.UpdateAsync(_key, [.. updates.Select(u => u.After)])).ToHashSet(StringComparer.Ordinal);
                foreach (var (before, after2) in updates.Where(u => !refused.Contains(u.Before.Id)))
                {
                    _stats.Changed(before, after2);
                    changed++;
                }
                ProspectsChanged();
            }
            if (page.Count < MaxPage)
            {
                return changed;
            }
            after = page[^1].Id;
        }
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
}
