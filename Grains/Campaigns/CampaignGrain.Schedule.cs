namespace OrleansBreaker.Campaigns;

/// <summary>
/// When the campaign runs. A campaign with work due soon keeps itself awake with one grain timer; one
/// with nothing due soon holds no timer and no reminder, and is woken at its earliest due time by the
/// due index of the prospect store, which one <see cref="CampaignWakeService"/> per silo reads. The
/// index entry names the silo that keeps the campaign awake, so the campaigns of a silo that dies are
/// woken elsewhere as soon as the membership declares it dead, with no reminder per campaign.
/// </summary>
internal sealed partial class CampaignGrain
{
    /// <summary>Work due within this long keeps the campaign awake on its timer; later work is left to the due index.</summary>
    internal static readonly TimeSpan AwakeHorizon = TimeSpan.FromMinutes(2);
    /// <summary>The reminder builds before the due index kept on every campaign with work; removed when it fires.</summary>
    private const string LegacyKeepAliveReminder = "keepalive";

    private IGrainTimer? _timer;
    // The earliest wake time of the prospects as last read from the store; null: read it again.
    private DateTimeOffset? _nextWake;
    // The account paced the last send: nothing can go before this. A hint held in memory only.
    private DateTimeOffset? _pacedUntil;
    // What the due index holds for this campaign, as this activation last wrote it.
    private (DateTimeOffset? WakeAt, string? Owner)? _scheduled;

    private string Owner => silo.SiloAddress.ToParsableString();

    public async Task WakeAsync()
    {
        if (!S.Exists || !options.Value.AutoDispatch)
        {
            // Nothing to run: whatever the due index holds for this key goes.
            await WriteScheduleAsync(null, null);
            return;
        }
        await EnsureReadyAsync();
        _nextWake = null;
        await RescheduleAsync(afterRun: false);
    }

    /// <summary>
    /// Decides how the campaign is next woken: its own timer while work is due within
    /// <see cref="AwakeHorizon"/>, else the due index (or nothing at all when no prospect is open or the
    /// campaign is paused). After a run the timer waits at least a campaign tick, so one campaign's backlog
    /// goes out at <see cref="DispatchOptions.BatchSize"/> per tick and cannot hog its account.
    /// </summary>
    private async Task RescheduleAsync(bool afterRun)
    {
        if (!options.Value.AutoDispatch)
        {
            return;
        }
        var now = time.GetUtcNow();
        DateTimeOffset? next = null;
        if (S.Exists && S.Active)
        {
            next = _nextWake ??= await store.NextWakeAsync(_key);
        }
        if (next is not { } at)
        {
            StopTimer();
            await WriteScheduleAsync(null, null);
            return;
        }
        if (_pacedUntil is { } paced && paced > at)
        {
            at = paced;
        }
        if (at - now > AwakeHorizon)
        {
            StopTimer();
            await WriteScheduleAsync(at, null);
            return;
        }
        var tick = options.Value.CampaignTick;
        // While awake, look at least once a tick: a clock moved by hand (tests, simulation) needs no new read.
        var wait = at - now < TimeSpan.Zero ? TimeSpan.Zero : at - now;
        wait = wait > tick ? tick : wait;
        if (afterRun && wait < tick)
        {
            wait = tick;
        }
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(wait, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
        }
        else
        {
            _timer.Change(wait, Timeout.InfiniteTimeSpan);
        }
        if (_scheduled?.Owner != Owner)
        {
            // Awake on this silo: the due index leaves the campaign alone while this silo lives.
            await WriteScheduleAsync(at, Owner);
        }
    }

    /// <summary>
    /// The timer interleaves with the grain's calls: it only reads two fields, waits for its place in the
    /// silo's <see cref="CampaignRunGate"/> without holding the grain (so the API is answered meanwhile),
    /// and hands the run to <see cref="TickAsync"/>, an ordinary call that has the grain to itself.
    /// </summary>
    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        var self = this.AsReference<ICampaignGrain>();
        try
        {
            var now = time.GetUtcNow();
            if ((_nextWake is { } known && known > now) || _pacedUntil > now)
            {
                await self.TickAsync(run: false);
                return;
            }
            using (await gate.EnterAsync(cancellationToken))
            {
                await self.TickAsync(run: true);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The activation is going away while it waited: the due index wakes the campaign again.
        }
        catch (Exception ex)
        {
            // The tick did not reach the grain (or timed out queued behind a long call): look again after a tick.
            LogTickFailed(_campaignId, ex);
            _timer?.Change(options.Value.CampaignTick, Timeout.InfiniteTimeSpan);
        }
    }

    public async Task TickAsync(bool run)
    {
        var afterRun = false;
        try
        {
            if (run)
            {
                afterRun = await RunDueAsync() > 0;
                _nextWake = null;
            }
        }
        catch (Exception ex)
        {
            LogTickFailed(_campaignId, ex);
            afterRun = true;
        }
        try
        {
            await RescheduleAsync(afterRun);
        }
        catch (Exception ex)
        {
            // The store cannot say what is due: look again after a tick.
            LogTickFailed(_campaignId, ex);
            _timer?.Change(options.Value.CampaignTick, Timeout.InfiniteTimeSpan);
        }
    }

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private async Task WriteScheduleAsync(DateTimeOffset? wakeAt, string? owner)
    {
        if (_scheduled is { } s && s.WakeAt == wakeAt && s.Owner == owner)
        {
            return;
        }
        await store.ScheduleAsync(_key, wakeAt, owner);
        _scheduled = (wakeAt, owner);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        BreakerMetrics.PoolsHeld(S.Degraded, -1);
        if (_timer is not null && _nextWake is { } next)
        {
            // Leaving this silo with work due soon: the due index wakes the campaign elsewhere (if this write
            // is lost, it does so once the membership no longer lists this silo).
            StopTimer();
            try
            {
                await store.ScheduleAsync(_key, next, null, cancellationToken);
            }
            catch (Exception ex)
            {
                LogTickFailed(_campaignId, ex);
            }
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Only the keep-alive reminder of earlier builds can fire here: the due index replaces it.
        if (await this.GetReminder(reminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        if (S.Exists)
        {
            await WakeAsync();
        }
    }
}
