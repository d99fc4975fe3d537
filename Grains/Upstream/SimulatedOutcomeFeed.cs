namespace OrleansBreaker.Upstream;

/// <summary>One entry of the provider-wide outcome feed: every account's accepts and replies in one sequence.</summary>
public sealed record SimulatedFeedOutcome(long Seq, string AccountId, string ProspectId, SimulatedOutcomeKind Kind, ActionType Action, DateTimeOffset At, string? IdempotencyKey)
{
    public ProviderOutcome ToProvider() =>
        new(Seq, AccountId, ProspectId, Kind == SimulatedOutcomeKind.Accepted ? EventKind.Accepted : EventKind.Replied, Action, At, IdempotencyKey);
}

/// <summary>How often the simulated provider's outcome feeds were read since it started.</summary>
/// <param name="FeedReads">Reads of the provider-wide feed (<c>GET /v1/outcomes</c>, or in process).</param>
/// <param name="AccountFeedReads">Reads of one account's feed through the provider API (<c>GET /v1/accounts/{id}/outcomes</c>).</param>
public sealed record SimulatedFeedCalls(long FeedReads, long AccountFeedReads);

/// <summary>
/// The provider-wide feed of accepts and replies: one cursor for every account, so one reader can follow
/// the whole provider instead of one poll per account. Sequence numbers start at 1 and grow by one per
/// entry, so a page is found by index, not by a scan. Bounded: the oldest entries go first.
/// </summary>
internal sealed class SimulatedOutcomeFeed
{
    /// <summary>Kept for a reader that is this far behind; a reader further behind has missed outcomes (and can see it: the first sequence number skips).</summary>
    public const int MaxKept = 100_000;

    private readonly Lock _gate = new();
    private readonly List<SimulatedFeedOutcome> _entries = [];
    private long _firstSeq = 1;
    private long _feedReads;
    private long _accountFeedReads;

    public SimulatedFeedOutcome Append(string accountId, SimulatedOutcome outcome)
    {
        lock (_gate)
        {
            var entry = new SimulatedFeedOutcome(_firstSeq + _entries.Count, accountId, outcome.ProspectId, outcome.Kind, outcome.Action, outcome.At, outcome.IdempotencyKey);
            _entries.Add(entry);
            if (_entries.Count > MaxKept + MaxKept / 10)
            {
                // Trimmed in chunks, so appends stay amortised O(1).
                var drop = _entries.Count - MaxKept;
                _entries.RemoveRange(0, drop);
                _firstSeq += drop;
            }
            return entry;
        }
    }

    /// <summary>Entries with a sequence number above <paramref name="since"/>, oldest first, at most <paramref name="limit"/>. Counted as a feed read.</summary>
    public IReadOnlyList<SimulatedFeedOutcome> Read(long since, int limit)
    {
        lock (_gate)
        {
            _feedReads++;
            var start = (int)Math.Clamp(since + 1 - _firstSeq, 0, _entries.Count);
            return _entries.GetRange(start, Math.Min(limit, _entries.Count - start));
        }
    }

    public void CountAccountFeedRead()
    {
        lock (_gate)
        {
            _accountFeedReads++;
        }
    }

    public SimulatedFeedCalls Calls
    {
        get
        {
            lock (_gate)
            {
                return new SimulatedFeedCalls(_feedReads, _accountFeedReads);
            }
        }
    }

    /// <summary>The sequence number of the newest entry (0 while empty).</summary>
    public long LastSeq
    {
        get
        {
            lock (_gate)
            {
                return _firstSeq + _entries.Count - 1;
            }
        }
    }
}
