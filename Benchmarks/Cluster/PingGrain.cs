namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// The baseline: an empty grain call, string-keyed like an account (<c>{workspace}/{account}</c>),
/// through the same client, silo and concurrency as the dispatches it is compared with.
/// </summary>
[Alias("OrleansBreaker.Benchmarks.IPingGrain")]
public interface IPingGrain : IGrainWithStringKey
{
    [Alias("Ping")]
    Task PingAsync();
}

internal sealed class PingGrain : Grain, IPingGrain
{
    public Task PingAsync() => Task.CompletedTask;
}
