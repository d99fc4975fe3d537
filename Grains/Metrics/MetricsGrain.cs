using Orleans.Placement;

namespace OrleansBreaker.Metrics;

/// <summary>
/// Holds the last metrics snapshot one silo pushed. Placed on the silo that pushes it, so a snapshot
/// lives and dies with its silo; never persisted: the next push (seconds later) replaces a lost one.
/// </summary>
[PreferLocalPlacement]
internal sealed class MetricsGrain : Grain, IMetricsGrain
{
    private MetricsSnapshot? _snapshot;

    public Task PublishAsync(MetricsSnapshot snapshot)
    {
        _snapshot = snapshot;
        return Task.CompletedTask;
    }

    public Task<MetricsSnapshot?> GetSnapshotAsync() => Task.FromResult(_snapshot);
}
