namespace OrleansBreaker.Campaigns;

/// <summary>
/// How many campaign runs a silo lets dispatch at once (<see cref="DispatchOptions.MaxConcurrentRuns"/>).
/// A run is a chain of database round trips (read the due prospects, the account's intent and outcome,
/// the campaign's commit); without a bound, every campaign whose turn has come queues on the silo's
/// one connection pool at once, and an API write behind them waits seconds for a connection. With the
/// bound, the pool's queue stays short whatever the number of campaigns, so the API's writes get a
/// connection at once while dispatch keeps the database busy.
/// </summary>
/// <remarks>
/// A run that finds the gate full does not wait for it: it leaves its prospects due and tries again
/// a campaign tick later, so the campaign grain stays free for the API's calls (a run waiting inside
/// the grain would hold them up instead), and the refusal costs no database call. The limit can be
/// changed while the silo runs (the benchmark compares limits on one cluster); a change applies to
/// the runs that start after it.
/// </remarks>
public sealed class CampaignRunGate(IOptions<DispatchOptions> options)
{
    private int _running;
    private long _deferred;

    /// <summary>At most this many runs at once; <see cref="int.MaxValue"/> lets every due campaign run.</summary>
    public int Limit { get; set; } = options.Value.MaxConcurrentRuns;

    /// <summary>Runs in progress on this silo.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Runs this gate has turned away since the silo started.</summary>
    public long Deferred => Interlocked.Read(ref _deferred);

    /// <summary>Takes a place if one is free; a caller that got one must <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        while (true)
        {
            var running = Volatile.Read(ref _running);
            if (running >= Limit)
            {
                Interlocked.Increment(ref _deferred);
                BreakerMetrics.CampaignRunsDeferred.Add(1);
                return false;
            }
            if (Interlocked.CompareExchange(ref _running, running + 1, running) == running)
            {
                return true;
            }
        }
    }

    public void Exit() => Interlocked.Decrement(ref _running);
}
