using Microsoft.Extensions.Hosting;

namespace OrleansBreaker.Silo.Hosting;

internal static class HostStart
{
    /// <summary>
    /// Waits until every hosted service has started (grain calls need the silo running); false when
    /// the host stops first.
    /// </summary>
    public static async Task<bool> WaitAsync(this IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        using var stopping = stoppingToken.Register(() => started.TrySetCanceled());
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
