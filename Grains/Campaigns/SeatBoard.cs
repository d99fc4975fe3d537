namespace OrleansBreaker.Campaigns;

/// <summary>
/// What a pool campaign knows about its accounts (BRIEF §11): per account and action type, whether it can
/// send now, else why not and until when, and its room left today. Learned from the accounts' seat views
/// (<see cref="IAccountGrain.GetSeatAsync"/>) and from every answer to a dispatch, held in memory only.
/// Pure: the grain asks it where an unbound prospect goes and what the pool looks like.
/// </summary>
public sealed class SeatBoard
{
    private readonly Dictionary<string, Seat> _seats = new(StringComparer.Ordinal);
    private List<string> _order = [];
    // Where the last tie was broken: equal seats take turns.
    private int _turn;

    private sealed class Seat
    {
        public DateTimeOffset? ReadAt;
        /// <summary>The account sends one action per interval, whatever the action: nothing goes before this.</summary>
        public DateTimeOffset? PacedUntil;
        public readonly Dictionary<ActionType, SeatAction> Actions = [];
        /// <summary>Breakers this campaign asked to be told about, by trip.</summary>
        public readonly Dictionary<ActionType, DateTimeOffset?> Watched = [];
    }

    /// <summary>The pool, in its configured order; seats that left it are forgotten.</summary>
    public void SetPool(IReadOnlyList<string> accounts)
    {
        _order = [.. accounts];
        foreach (var gone in _seats.Keys.Except(accounts, StringComparer.Ordinal).ToList())
        {
            _seats.Remove(gone);
        }
        foreach (var account in accounts)
        {
            _seats.TryAdd(account, new Seat());
        }
    }

    /// <summary>Accounts whose view is older than <paramref name="maxAge"/> (or never read).</summary>
    public IReadOnlyList<string> Stale(DateTimeOffset now, TimeSpan maxAge) =>
        [.. _order.Where(a => _seats[a].ReadAt is not { } at || now - at >= maxAge)];

    /// <summary>Takes an account's seat view as read at <paramref name="now"/>.</summary>
    public void Read(SeatView view, DateTimeOffset now)
    {
        if (!_seats.TryGetValue(view.AccountId, out var seat))
        {
            return;
        }
        seat.ReadAt = now;
        foreach (var (action, a) in view.Actions)
        {
            if (a.Reason == Reason.Pacing)
            {
                // Pacing is the account's, not the action's: kept once for the seat.
                seat.PacedUntil = a.At;
                seat.Actions[action] = a with { Reason = Reason.None, At = null };
                continue;
            }
            seat.Actions[action] = view.Exists ? a : a with { Reason = Reason.AccountDisconnected, At = null };
        }
    }

    /// <summary>What an account answered to a dispatch of <paramref name="action"/>: the board believes it until told otherwise.</summary>
    /// <param name="planned">The send was counted already when the prospect was given to the account (<see cref="Pick"/>).</param>
    public void Learn(string account, ActionType action, DispatchResult result, DateTimeOffset now, bool planned = false)
    {
        if (!_seats.TryGetValue(account, out var seat))
        {
            return;
        }
        var known = seat.Actions.GetValueOrDefault(action) ?? new SeatAction();
        if (result.Status == DispatchStatus.Sent || result is { Status: DispatchStatus.Deferred, Reason: Reason.Pacing })
        {
            seat.PacedUntil = result.Status == DispatchStatus.Sent ? result.NextSendAt : result.ResumeAt;
        }
        seat.Actions[action] = result.Status switch
        {
            DispatchStatus.Sent => known with { Today = planned ? known.Today : known.Today + 1, Reason = Reason.None, At = null },
            DispatchStatus.Deferred when result.Reason == Reason.Pacing => known,
            DispatchStatus.Skipped => known with { Reason = result.Reason, At = result.ResumeAt, TripId = result.TripId },
            DispatchStatus.Deferred => known with { Reason = result.Reason, At = result.ResumeAt },
            DispatchStatus.Blocked when result.Reason is Reason.AccountDisconnected or Reason.AccountRestricted or Reason.ActionDisabled =>
                known with { Reason = result.Reason, At = null },
            _ => known,
        };
        if (result.Status == DispatchStatus.Skipped)
        {
            // The account registered this campaign for the clear when it skipped.
            seat.Watched[action] = result.TripId;
        }
        if (result.Status == DispatchStatus.Blocked && result.Reason is Reason.AccountDisconnected or Reason.AccountRestricted)
        {
            foreach (var other in seat.Actions.Keys.ToList())
            {
                seat.Actions[other] = seat.Actions[other] with { Reason = result.Reason, At = null };
            }
        }
    }

    /// <summary>The account's breaker for <paramref name="action"/> cleared: it can send again.</summary>
    public void Cleared(string account, ActionType action)
    {
        if (_seats.TryGetValue(account, out var seat) && seat.Actions.TryGetValue(action, out var a) && IsBreaker(a.Reason))
        {
            seat.Actions[action] = a with { Reason = Reason.None, At = null, TripId = null };
            seat.Watched.Remove(action);
        }
    }

    /// <summary>Whether the account can take <paramref name="action"/> now, as far as the board knows (unknown counts as able: asking is how it learns).</summary>
    public bool CanSend(string account, ActionType action, DateTimeOffset now) =>
        !_seats.TryGetValue(account, out var seat) || (!(seat.PacedUntil > now) && (!seat.Actions.TryGetValue(action, out var a) || Available(a, now)));

    /// <summary>Room left today, as far as the board knows (an account it has not read may have some).</summary>
    private bool HasRoom(string account, ActionType action) =>
        Known(account, action) is not { DailyCap: > 0 } known || known.Today < known.DailyCap;

    /// <summary>The board knows the account's breaker for <paramref name="action"/> is open (and not due to resume).</summary>
    public bool IsOpen(string account, ActionType action, DateTimeOffset now) =>
        Known(account, action) is { } a && IsBreaker(a.Reason) && !Available(a, now);

    /// <summary>Whether any pool account can take <paramref name="action"/> now (its room aside: the account answers for that).</summary>
    public bool AnyCanSend(ActionType action, DateTimeOffset now) => _order.Any(a => CanSend(a, action, now));

    /// <summary>Accounts that cannot send anything before later (their interval since the last send has not passed).</summary>
    public IReadOnlyList<string> Paced(DateTimeOffset now) => [.. _order.Where(a => _seats[a].PacedUntil > now)];

    /// <summary>The earliest time one of <paramref name="accounts"/> can send again after its interval, if the board knows one.</summary>
    public DateTimeOffset? PacedUntil(IEnumerable<string> accounts) =>
        accounts.Select(a => _seats.TryGetValue(a, out var seat) ? seat.PacedUntil : null).Where(t => t is not null).Min();

    /// <summary>The action is open to the account, pacing aside (the health of a pool does not flicker with each send).</summary>
    private bool Able(string account, ActionType action, DateTimeOffset now) =>
        !_seats.TryGetValue(account, out var seat) || !seat.Actions.TryGetValue(action, out var a) || Available(a, now);

    /// <summary>The board's knowledge of one account's action, or null when it has none.</summary>
    public SeatAction? Known(string account, ActionType action) =>
        _seats.TryGetValue(account, out var seat) ? seat.Actions.GetValueOrDefault(action) : null;

    /// <summary>
    /// The account an unbound prospect's <paramref name="action"/> goes to: of the accounts that can send it now
    /// and are not in <paramref name="busy"/>, the one with the most room left today relative to its cap; equal
    /// ones take turns. Null when none can.
    /// </summary>
    public string? Pick(ActionType action, DateTimeOffset now, IReadOnlySet<string> busy)
    {
        var best = Best(action, now, busy);
        if (best is not null)
        {
            // Counted now, so the next prospect of the same run sees the room this one takes.
            var seat = _seats[best];
            var known = seat.Actions.GetValueOrDefault(action) ?? new SeatAction();
            seat.Actions[action] = known with { Today = known.Today + 1 };
        }
        return best;
    }

    // Seats with room first; when none has any as far as the board knows, one that may still say so itself
    // (its answer, with the time its cap rolls, is what a waiting prospect then shows).
    private string? Best(ActionType action, DateTimeOffset now, IReadOnlySet<string> busy) =>
        Best(action, now, busy, needRoom: true) ?? Best(action, now, busy, needRoom: false);

    private string? Best(ActionType action, DateTimeOffset now, IReadOnlySet<string> busy, bool needRoom)
    {
        string? best = null;
        var bestRoom = double.MinValue;
        for (var i = 0; i < _order.Count; i++)
        {
            var account = _order[(_turn + i) % _order.Count];
            if (busy.Contains(account) || !CanSend(account, action, now) || (needRoom && !HasRoom(account, action)))
            {
                continue;
            }
            // Never read: as roomy as an idle seat, so it gets asked (and the board learns it).
            var room = Known(account, action) is { DailyCap: > 0 } known ? known.Room : 1;
            if (room > bestRoom + 1e-9)
            {
                (best, bestRoom) = (account, room);
            }
        }
        if (best is not null)
        {
            _turn = (_order.IndexOf(best) + 1) % _order.Count;
        }
        return best;
    }

    /// <summary>
    /// Why no account can send <paramref name="action"/> now, and until when: the account that can again
    /// soonest decides (its reason and time). When every account waits on its breaker, the stall is the pool's
    /// breaker stall: the earliest resume, and an id that changes when any of those breakers trips anew (so
    /// a prospect is skipped once per stall). When none will without a person acting, the first one's reason.
    /// </summary>
    public PoolStall Stall(ActionType action, DateTimeOffset now)
    {
        var paced = _order.Where(a => Able(a, action, now)).Select(a => _seats[a].PacedUntil).Where(t => t > now).Min();
        if (paced is not null)
        {
            // Some account could, but has just sent: the prospect waits the interval, unwritten.
            return new PoolStall(Reason.Pacing, paced, null, false, _order.First(a => _seats[a].PacedUntil == paced));
        }
        SeatAction? soonest = null;
        string? soonestAccount = null;
        var allBreakers = _order.Count > 0;
        DateTimeOffset? trip = null;
        foreach (var account in _order)
        {
            var a = Known(account, action) ?? new SeatAction();
            allBreakers &= IsBreaker(a.Reason);
            if (a.TripId is { } t && (trip is null || t > trip))
            {
                trip = t;
            }
            if (a.At is { } at && (soonest?.At is not { } s || at < s))
            {
                (soonest, soonestAccount) = (a, account);
            }
        }
        var decider = soonest ?? (_order.Count > 0 ? Known(_order[0], action) : null) ?? new SeatAction { Reason = Reason.AccountDisconnected };
        return new PoolStall(decider.Reason, decider.At, allBreakers ? trip : null, allBreakers, soonestAccount ?? _order.FirstOrDefault());
    }

    /// <summary>How many accounts can send <paramref name="action"/> now, of how many, and when another can (BRIEF §11).</summary>
    public PoolHealth Health(ActionType action, DateTimeOffset now)
    {
        var available = 0;
        DateTimeOffset? next = null;
        foreach (var account in _order)
        {
            if (Able(account, action, now))
            {
                available++;
            }
            else if (Known(account, action)?.At is { } at && (next is null || at < next))
            {
                next = at;
            }
        }
        return new PoolHealth(available, _order.Count, available == _order.Count ? null : next);
    }

    /// <summary>Accounts the board knows are open for <paramref name="action"/> but that do not know this campaign waits on them.</summary>
    public IReadOnlyList<string> Unwatched(ActionType action) =>
        [.. _order.Where(a => _seats[a].Actions.TryGetValue(action, out var s) && IsBreaker(s.Reason)
            && (!_seats[a].Watched.TryGetValue(action, out var trip) || trip != s.TripId))];

    public void Watched(string account, ActionType action, DateTimeOffset? trip)
    {
        if (_seats.TryGetValue(account, out var seat))
        {
            seat.Watched[action] = trip;
        }
    }

    private static bool Available(SeatAction a, DateTimeOffset now) =>
        a.Reason == Reason.None || (a.At is { } at && at <= now);

    public static bool IsBreaker(Reason reason) => reason is Reason.InMailCreditsExhausted or Reason.ActionLimitReached;
}

/// <summary>
/// Why a pool cannot send an action now (<see cref="SeatBoard.Stall"/>): the reason and resume time a waiting
/// prospect shows, the stall's id when it is a breaker stall, and the account expected to send it next.
/// </summary>
public readonly record struct PoolStall(Reason Reason, DateTimeOffset? ResumeAt, DateTimeOffset? TripId, bool Breakers, string? Account);
