namespace OrleansBreaker.Campaigns;

/// <summary>
/// How many campaign runs a silo lets dispatch at once (<see cref="DispatchOptions.MaxConcurrentRuns"/>).
/// A run is a chain of database round trips (read the due prospects, the account's intent and outcome,
/// the campaign's commit); without a bound, every campaign whose turn has come queues on the silo's
/// one connection pool at once, and an API write behind them waits seconds for a connection (measured:
/// p50 2-24 s at BRIEF §10, docs/benchmarks.md figure 11a). With the bound, the pool's queue stays short
/// whatever the number of campaigns, so the API's writes get a connection at once while dispatch keeps
/// the database busy.
/// </summary>
/// <remarks>
/// Campaigns wait their turn in order (a semaphore), outside their grain's turn: the campaign timer
/// interleaves while it waits and runs as an ordinary call once it has its place, so a waiting campaign
/// answers the API at once and costs nothing while it waits (no polling). Turning waiters away to try
/// again later was measured first: 9,400 refused ticks a second ate the CPU the runs needed.
/// The limit can be changed while the silo runs (the benchmark compares limits on one cluster): runs
/// that start after the change use the new limit; those already waiting finish under the old one.
/// </remarks>
public sealed class CampaignRunGate(IOptions<DispatchOptions> options)
{
    private Slots _slots = new(options.Value.MaxConcurrentRuns);
    private long _waited;

    private sealed class Slots(int limit)
    {
        public readonly int Limit = limit;
        public readonly SemaphoreSlim Semaphore = new(limit, limit);
        public int Waiting;
    }

    /// <summary>At most this many runs at once; <see cref="int.MaxValue"/> lets every due campaign run.</summary>
    public int Limit
    {
        get => _slots.Limit;
        set => _slots = new Slots(value);
    }

    /// <summary>Runs in progress on this silo (under the current limit).</summary>
    public int Running => _slots.Limit - _slots.Semaphore.CurrentCount;

    /// <summary>Campaigns waiting for a place now.</summary>
    public int Waiting => Volatile.Read(ref _slots.Waiting);

    /// <summary>Runs that found every place taken and waited, since the silo started.</summary>
    public long Waited => Interlocked.Read(ref _waited);

    /// <summary>Waits for a place (in order of arrival); dispose the result to give it back.</summary>
    public async ValueTask<Place> EnterAsync(CancellationToken cancellationToken)
    {
        var slots = _slots;
        if (!slots.Semaphore.Wait(0))
        {
            Interlocked.Increment(ref _waited);
            BreakerMetrics.CampaignRunsWaited.Add(1);
            Interlocked.Increment(ref slots.Waiting);
            try
            {
                await slots.Semaphore.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref slots.Waiting);
            }
        }
        return new Place(slots.Semaphore);
    }

    public readonly struct Place(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
