namespace OrleansBreaker.Campaigns;

/// <summary>
/// Sending from a pool of accounts (BRIEF §11). A prospect's conversation stays with the seat that delivered
/// its first action; an unbound prospect goes to the pool account with the most room left today for its
/// step's action, among those the campaign's <see cref="SeatBoard"/> knows can send it now. No account is
/// offered work the board knows it cannot do; when none can, the prospect waits with the pool's reason and
/// earliest resume. A single-account campaign is a pool of one, and dispatches exactly as before pools.
/// </summary>
internal sealed partial class CampaignGrain
{
    /// <summary>A pool run reads an account's seat again when its view is older than this.</summary>
    internal static readonly TimeSpan SeatRefresh = TimeSpan.FromSeconds(30);
    /// <summary>Before concluding that no account can send, and for views, the seats are read again when older than this.</summary>
    internal static readonly TimeSpan StallRefresh = TimeSpan.FromSeconds(5);

    private readonly SeatBoard _seats = new();

    /// <summary>A prospect step a run offers to an account; <see cref="Unbound"/>: the prospect has no seat yet.</summary>
    private readonly record struct Offer(ProspectRecord Prospect, ActionType Action, string Account, bool Unbound);

    private IReadOnlyList<ActionType> StepActions => [.. S.Steps.Select(s => s.Action).Distinct()];

    /// <summary>Reads the seats the board has not read for <paramref name="maxAge"/>; one that cannot be read keeps what the board knew.</summary>
    private async Task ReadSeatsAsync(TimeSpan maxAge, DateTimeOffset now)
    {
        _seats.SetPool(S.Accounts);
        var stale = _seats.Stale(now, maxAge);
        if (stale.Count == 0)
        {
            return;
        }
        var actions = StepActions;
        var reads = stale.Select(async account =>
        {
            try
            {
                return await Account(account).GetSeatAsync(actions);
            }
            catch (Exception ex)
            {
                LogSeatUnreadable(_campaignId, account, ex);
                return null;
            }
        }).ToList();
        foreach (var view in await Task.WhenAll(reads))
        {
            if (view is not null)
            {
                _seats.Read(view, now);
            }
        }
    }

    /// <summary>
    /// Decides, for each due prospect, which account it is offered to, and changes in place those that cannot go
    /// anywhere (removed seat, a seat the board knows is open, a pool that cannot send). Before any offer of an
    /// unbound prospect goes, the offers are stored (<see cref="CampaignState.Offers"/>), so a campaign that dies
    /// before recording the answers offers each of them to the same account again, never to another seat.
    /// </summary>
    private async Task<List<Offer>> OfferAsync(IReadOnlyList<ProspectRecord> due, DateTimeOffset now,
        List<(ProspectRecord Before, ProspectRecord After)> changes, List<EventRecord> events)
    {
        var pool = S.Accounts;
        var pooled = pool.Count > 1;
        var offers = new List<Offer>(due.Count);
        // A seat takes up to a batch per run, as a single account's campaign does; with pacing, a seat given an
        // unbound prospect by this run takes no other unbound one: the interval allows no more.
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var load = new Dictionary<string, int>(StringComparer.Ordinal);
        var paces = options.Value.MinInterval > TimeSpan.Zero || options.Value.MaxJitter > TimeSpan.Zero;
        bool Full(string account) => load.GetValueOrDefault(account) >= options.Value.BatchSize;
        void Take(string account, bool unbound)
        {
            load[account] = load.GetValueOrDefault(account) + 1;
            if ((unbound && paces) || Full(account))
            {
                taken.Add(account);
            }
        }
        DateTimeOffset? pacedUntil = null;
        foreach (var p in due)
        {
            var action = S.Steps[p.StepIndex].Action;
            var seat = p.AccountId ?? S.Offers.Find(o => o.ProspectId == p.Id && o.Step == p.StepIndex)?.AccountId;
            if (seat is not null && !pool.Contains(seat, StringComparer.Ordinal))
            {
                // Its seat left the pool: the conversation waits for it (and an offer in flight binds it there).
                changes.Add((p, ProspectMachine.AccountRemoved(p, now) with { AccountId = seat }));
                continue;
            }
            if (!pooled)
            {
                offers.Add(new Offer(p, action, seat ?? pool[0], Unbound: false));
                continue;
            }
            if (seat is not null)
            {
                if (await KnownOpenAsync(seat, action, now) is { } open)
                {
                    changes.Add((p, Apply(p, action, open, now, events, seat)));
                    continue;
                }
                if (Full(seat))
                {
                    continue; // its seat has a batch in this run already: the next run takes it
                }
                Take(seat, unbound: false);
                offers.Add(new Offer(p, action, seat, Unbound: p.AccountId is null));
                continue;
            }
            var pick = _seats.Pick(action, now, taken);
            if (pick is null && !_seats.AnyCanSend(action, now))
            {
                // Nobody can, as far as the board knows: make sure it is current, and that every open seat will
                // tell this campaign when it clears, before the prospect is made to wait.
                await ReadSeatsAsync(StallRefresh, now);
                await EnsureWatchedAsync(action, now);
                pick = _seats.Pick(action, now, taken);
            }
            if (pick is not null)
            {
                Take(pick, unbound: true);
                offers.Add(new Offer(p, action, pick, Unbound: true));
                continue;
            }
            if (_seats.AnyCanSend(action, now))
            {
                continue; // the seats that can have their prospect of this run: the next run has more
            }
            var stall = _seats.Stall(action, now);
            if (stall.Reason == Reason.Pacing)
            {
                pacedUntil = pacedUntil is { } t && t < stall.ResumeAt ? t : stall.ResumeAt;
                continue; // stays due, unwritten, until a seat's interval passes
            }
            changes.Add((p, Apply(p, action, StallResult(stall, now), now, events, stall.Account ?? pool[0])));
        }
        if (offers.Count == 0 && pacedUntil is not null)
        {
            _pacedUntil = pacedUntil;
        }
        var unbound = offers.Where(o => o.Unbound).Select(o => new SeatOffer(o.Prospect.Id, o.Prospect.StepIndex, o.Account)).ToList();
        if (unbound.Count > 0)
        {
            S.Offers = unbound;
            await CommitAsync([], []);
        }
        return offers;
    }

    /// <summary>
    /// The skip a bound prospect gets, without asking, when the board knows its seat is open for the action
    /// (BRIEF §11: never offer work to an account known to be open); null when the seat may be asked.
    /// </summary>
    private async Task<DispatchResult?> KnownOpenAsync(string seat, ActionType action, DateTimeOffset now)
    {
        if (!_seats.IsOpen(seat, action, now))
        {
            return null;
        }
        await EnsureWatchedAsync(action, now);
        return _seats.IsOpen(seat, action, now) && _seats.Known(seat, action) is { } k
            ? new DispatchResult { Status = DispatchStatus.Skipped, Reason = k.Reason, ResumeAt = k.At, TripId = k.TripId, At = now }
            : null;
    }

    /// <summary>Every seat the board knows is open for <paramref name="action"/> is asked to tell this campaign when it clears.</summary>
    private async Task EnsureWatchedAsync(ActionType action, DateTimeOffset now)
    {
        var unwatched = _seats.Unwatched(action);
        if (unwatched.Count == 0)
        {
            return;
        }
        var watches = unwatched.Select(async account =>
        {
            try
            {
                var view = await Account(account).WatchBreakerAsync(_campaignId, action);
                _seats.Read(view, now);
                _seats.Watched(account, action, view.Actions.GetValueOrDefault(action)?.TripId);
            }
            catch (Exception ex)
            {
                // Not told, then: the prospects waiting on it still look again after its resume time.
                LogSeatUnreadable(_campaignId, account, ex);
            }
        });
        await Task.WhenAll(watches);
    }

    /// <summary>What a prospect no pool account can take waits on: the pool's breaker stall (a skip), or the soonest seat's reason.</summary>
    private static DispatchResult StallResult(PoolStall stall, DateTimeOffset now) => stall switch
    {
        { Breakers: true } => new DispatchResult { Status = DispatchStatus.Skipped, Reason = stall.Reason, ResumeAt = stall.ResumeAt, TripId = stall.TripId, At = now },
        { ResumeAt: not null } => new DispatchResult { Status = DispatchStatus.Deferred, Reason = stall.Reason, ResumeAt = stall.ResumeAt, At = now },
        _ => new DispatchResult { Status = DispatchStatus.Blocked, Reason = stall.Reason, At = now },
    };

    /// <summary>An account's answer that says it cannot take this prospect now, while another seat may.</summary>
    private static bool SeatRefused(DispatchResult result) => result.Status switch
    {
        DispatchStatus.Skipped or DispatchStatus.Deferred => true,
        DispatchStatus.Blocked => result.Reason is Reason.AccountDisconnected or Reason.AccountRestricted or Reason.ActionDisabled,
        _ => false,
    };

    /// <summary>
    /// Marks the pool degraded for an action when at most half its accounts can send it (BRIEF §11), once per
    /// change: an activity event and the metric. Pools of one account are never marked: they have nothing to run dry before.
    /// </summary>
    private void NoteHealth(DateTimeOffset now, List<EventRecord> events)
    {
        if (S.Accounts.Count < 2)
        {
            return;
        }
        foreach (var action in StepActions)
        {
            var health = _seats.Health(action, now);
            if (health.Degraded == S.Degraded.Contains(action))
            {
                continue;
            }
            if (health.Degraded)
            {
                S.Degraded.Add(action);
            }
            else
            {
                S.Degraded.Remove(action);
            }
            BreakerMetrics.PoolDegraded(action, health.Degraded);
            var kind = health.Degraded ? EventKind.PoolDegraded : EventKind.PoolRecovered;
            var next = health.NextAt is { } at ? $"; next one at {at:u}" : "";
            events.Add(new EventRecord
            {
                At = now, Kind = kind, WorkspaceId = _workspaceId, CampaignId = _campaignId, Action = action,
                Key = $"{_campaignId}/pool/{action}/{kind}/{now.UtcTicks}",
                Text = health.Degraded
                    ? $"Pool degraded: {health.Available} of {health.Total} accounts can send {action}{next}"
                    : $"Pool recovered: {health.Available} of {health.Total} accounts can send {action}",
            });
        }
    }

    /// <summary>The pool's health per action of the steps, from seats read at most <see cref="StallRefresh"/> ago.</summary>
    private async Task<IReadOnlyDictionary<ActionType, PoolHealth>> PoolHealthAsync()
    {
        if (!S.Exists || S.Accounts.Count == 0)
        {
            return new Dictionary<ActionType, PoolHealth>();
        }
        var now = time.GetUtcNow();
        await ReadSeatsAsync(StallRefresh, now);
        return StepActions.ToDictionary(a => a, a => _seats.Health(a, now));
    }

    /// <summary>Prospects on an account that left the pool wait for it (typed); those on one that came back move again.</summary>
    private async Task PoolChangedAsync(IReadOnlyList<string> removed, IReadOnlyList<string> added)
    {
        var now = time.GetUtcNow();
        _seats.SetPool(S.Accounts);
        foreach (var account in removed)
        {
            await UpdateWhereAsync(new ProspectFilter { AccountId = account, Open = true }, p => ProspectMachine.AccountRemoved(p, now));
        }
        foreach (var account in added)
        {
            await UpdateWhereAsync(new ProspectFilter { AccountId = account, Status = ProspectStatus.Waiting, Reasons = [Reason.AccountRemovedFromPool] },
                p => ProspectMachine.AccountReturned(p, now));
        }
        if (added.Count > 0)
        {
            // New seats may take what the others could not: prospects not bound yet that wait on the old seats move now.
            await UpdateWhereAsync(new ProspectFilter { Bound = false, Status = ProspectStatus.Waiting, Reasons = ProspectMachine.SeatReasons },
                p => ProspectMachine.PoolGrew(p, now));
        }
        if (removed.Count + added.Count > 0)
        {
            _nextWake = null;
        }
    }
}
