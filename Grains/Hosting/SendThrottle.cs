namespace OrleansBreaker.Hosting;

/// <summary>
/// A silo-wide bound on upstream calls in flight (<see cref="DispatchOptions.MaxConcurrentSends"/>).
/// Each account already sends one at a time; this keeps a burst across many accounts from opening
/// unbounded connections to the provider.
/// </summary>
public sealed class SendThrottle(IOptions<DispatchOptions> options)
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentSends);

    public async Task<T> RunAsync<T>(Func<Task<T>> send)
    {
        await _slots.WaitAsync();
        try
        {
            return await send();
        }
        finally
        {
            _slots.Release();
        }
    }
}
