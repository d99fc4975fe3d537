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
            var (count, cursor, complete) = HandOver(page, since);
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
    private (int Count, long Cursor, bool Complete) HandOver(ProviderFeedPage page, long since)
    {
        var cursor = since;
        var count = 0;
        foreach (var outcome in page.Items.OrderBy(o => o.Seq))
        {
            if (outcome.Seq <= since)
            {
                continue; // a provider that answers more than asked: already handed over
            }
            var route = OutcomeRoute.Of(outcome);
            if (route.CampaignKey is null)
            {
                _skipped++;
                LogSkipped(Key, outcome.Seq, outcome.AccountId, outcome.ProspectId, outcome.Kind, route.Problem!);
                cursor = outcome.Seq;
                continue;
            }
            try
            {
                // One-way: the campaign may be awaiting an account, and nothing here needs its answer.
                GrainFactory.GetGrain<ICampaignGrain>(route.CampaignKey).RecordProspectOutcomeAsync(outcome.ProspectId, outcome.Kind, outcome.At).Ignore();
            }
            catch (Exception ex)
            {
                // Not handed over: the cursor stays before it, and the next read starts with it.
                LogHandOverFailed(Key, outcome.Seq, route.CampaignKey, ex);
                return (count, cursor, false);
            }
            _handedOver++;
            count++;
            cursor = outcome.Seq;
        }
        // Past entries the upstream dropped as unreadable too (its Next), once everything before them went.
        return (count, Math.Max(cursor, page.Next), true);
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
