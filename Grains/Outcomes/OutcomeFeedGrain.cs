using Orleans.Storage;

namespace OrleansBreaker.Outcomes;

/// <summary>
/// The cluster's one reader of the provider-wide outcome feed (<see cref="IOutcomeFeedGrain"/>, key
/// <see cref="OutcomeFeed.Key"/>). It replaces a feed poll per account (every account every 30 s: about
/// 3,300 provider calls/s at 100,000 accounts, more than the sends themselves) with one page read per
/// <see cref="DispatchOptions.OutcomeFeedInterval"/> for the whole cluster, whatever its size.
/// <para>
/// One grain is enough and is not a hot spot: it is on no request path (nothing awaits it), it reads
/// pages of <see cref="PageSize"/> and hands each outcome over with a one-way call, so its cost is one
/// message per accept or reply, a small fraction of the sends that caused them. Its state is the cursor
/// alone. It comes back by itself after its silo dies: every silo pings it (<see cref="OutcomeFeedKeeper"/>),
/// which reactivates it elsewhere from the persisted cursor, without a reminder.
/// </para>
/// <para>
/// The cursor moves only past what was handed over; a page read again (a crash before the cursor was
/// written, a rewind) is harmless because a campaign counts each prospect's accept and reply once, as it
/// does for the same outcome posted through <c>POST /events</c>.
/// </para>
/// </summary>
internal sealed partial class OutcomeFeedGrain(
    [PersistentState("feed", StorageNames.GrainStore)] IPersistentState<OutcomeFeedState> state,
    ILinkedInUpstream upstream,
    IOptions<DispatchOptions> options,
    ILogger<OutcomeFeedGrain> logger) : Grain, IOutcomeFeedGrain
{
    /// <summary>Outcomes asked for per read (the simulator serves up to 1,000).</summary>
    internal const int PageSize = 500;

    /// <summary>At most this many pages per read, so a reader far behind catches up over several turns and keeps answering in between.</summary>
    internal const int MaxPagesPerRead = 20;

    private long _handedOver;
    private long _skipped;

    private string Key => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.OutcomeFeedInterval;
        // KeepAlive: the reader must not be collected as idle while the silo runs; not interleaved, so a
        // read never overlaps another (ReadNowAsync included) and the cursor moves in order.
        this.RegisterGrainTimer(_ => ReadTickAsync(), new GrainTimerCreationOptions(every, every) { Interleave = false, KeepAlive = true });
        LogStarted(Key, state.State.Cursor, every);
        return Task.CompletedTask;
    }

    public Task PingAsync() => Task.CompletedTask;

    public Task<int> ReadNowAsync() => ReadAsync();

    public Task<OutcomeFeedView> GetViewAsync() =>
        Task.FromResult(new OutcomeFeedView { Cursor = state.State.Cursor, HandedOver = _handedOver, Skipped = _skipped });

    public async Task RewindAsync(long cursor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cursor);
        LogRewound(Key, state.State.Cursor, cursor);
        state.State.Cursor = cursor;
        await state.WriteStateAsync();
    }

    private async Task ReadTickAsync()
    {
        try
        {
            await ReadAsync();
        }
        catch (Exception ex)
        {
            // The next tick reads from the same cursor: nothing is lost, at worst read twice.
            LogReadFailed(Key, state.State.Cursor, ex);
        }
    }

    private async Task<int> ReadAsync()
    {
        var handed = 0;
        for (var pages = 0; pages < MaxPagesPerRead; pages++)
        {
            var since = state.State.Cursor;
            var page = await upstream.ReadFeedAsync(since, PageSize, CancellationToken.None);
            var (count, cursor, complete) = await HandOverAsync(page, since);
            handed += count;
            if (cursor == since)
            {
                return handed;
            }
            state.State.Cursor = cursor;
            await WriteCursorAsync();
            if (!complete || page.Items.Count < PageSize)
            {
                return handed;
            }
        }
        return handed;
    }

    /// <summary>Hands the page's outcomes to their campaigns in feed order; returns how many, the cursor past them, and whether the whole page went.</summary>
    /// <summary>
    /// Hands a page to its campaigns, one awaited call per campaign (they run side by side), and returns the
    /// cursor past every outcome that was recorded: up to the first one whose campaign could not take it.
    /// What follows it is read again next time, which counts nothing twice.
    /// </summary>
    private async Task<(int Count, long Cursor, bool Complete)> HandOverAsync(ProviderFeedPage page, long since)
    {
        var items = page.Items.Where(o => o.Seq > since).OrderBy(o => o.Seq).ToList(); // a provider may answer more than asked
        var routed = new List<(ProviderOutcome Outcome, string Campaign)>(items.Count);
        foreach (var outcome in items)
        {
            var route = OutcomeRoute.Of(outcome);
            if (route.CampaignKey is null)
            {
                _skipped++;
                LogSkipped(Key, outcome.Seq, outcome.AccountId, outcome.ProspectId, outcome.Kind, route.Problem!);
                continue;
            }
            routed.Add((outcome, route.CampaignKey));
        }
        var failedAt = long.MaxValue;
        await Task.WhenAll(routed.GroupBy(r => r.Campaign, StringComparer.Ordinal).Select(async group =>
        {
            try
            {
                await GrainFactory.GetGrain<ICampaignGrain>(group.Key).RecordProspectOutcomesAsync(
                    [.. group.Select(r => new ProspectOutcomeReport(r.Outcome.ProspectId, r.Outcome.Kind, r.Outcome.At))]);
            }
            catch (Exception ex)
            {
                var first = group.Min(r => r.Outcome.Seq);
                LogHandOverFailed(Key, first, group.Key, ex);
                InterlockedMin(ref failedAt, first);
            }
        }));
        if (failedAt != long.MaxValue)
        {
            var before = items.Where(o => o.Seq < failedAt).Select(o => o.Seq).DefaultIfEmpty(since).Max();
            var count = routed.Count(r => r.Outcome.Seq < failedAt);
            _handedOver += count;
            return (count, before, false);
        }
        _handedOver += routed.Count;
        // Past entries the upstream dropped as unreadable too (its Next), once everything before them went.
        return (routed.Count, Math.Max(items.Count > 0 ? items[^1].Seq : since, page.Next), true);
    }

    private static void InterlockedMin(ref long target, long value)
    {
        long seen;
        while (value < (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private async Task WriteCursorAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            // What was handed over stays handed over; the cursor is written with the next page. A reactivation
            // before that re-reads from the old cursor, which counts nothing twice.
            LogCursorNotWritten(Key, state.State.Cursor, ex);
            if (ex is InconsistentStateException)
            {
                // Another activation wrote it: let this one go, so there is one reader again.
                DeactivateOnIdle();
            }
        }
    }
}
