using Orleans.Runtime;

namespace OrleansBreaker.Outcomes;

/// <summary>
/// Keeps the cluster's one <see cref="IOutcomeFeedGrain"/> running: every silo pings it once it is active,
/// then every <see cref="PingEvery"/>. The ping of a live reader is a no-op; after the reader's silo dies
/// (and membership declares it dead), the next ping from any silo activates it elsewhere from its
/// persisted cursor. Chosen over a reminder: nothing to store, it works the same on memory and PostgreSQL,
/// and it costs one message per silo per period.
/// </summary>
internal sealed partial class OutcomeFeedKeeper(IGrainFactory grains, ILogger<OutcomeFeedKeeper> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Well inside a minute, added to the time membership takes to declare a dead silo dead.</summary>
    internal static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OutcomeFeedKeeper), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _loop = KeepAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // stopping either way
        }
    }

    private async Task KeepAsync(CancellationToken stopping)
    {
        // Real time on purpose: this is the runtime's housekeeping, not the product's calendar.
        using var timer = new PeriodicTimer(PingEvery);
        do
        {
            try
            {
                await grains.GetGrain<IOutcomeFeedGrain>(OutcomeFeed.Key).PingAsync();
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                // Its silo may be on its way out: the next ping finds it elsewhere.
                LogPingFailed(ex.GetType().Name, ex.Message);
            }
        }
        while (await NextAsync(timer, stopping));
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outcome feed reader did not answer its ping ({Error}: {Detail}); pinging again")]
    private partial void LogPingFailed(string error, string detail);
}
