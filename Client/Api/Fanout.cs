namespace OrleansBreaker.Client.Api;

/// <summary>Reads many grains for one request, a bounded number at a time, in the order given.</summary>
public static class Fanout
{
    /// <summary>Enough to hide round trips, few enough that one request cannot flood the cluster.</summary>
    public const int MaxConcurrent = 16;

    public static async Task<TResult[]> SelectAsync<T, TResult>(IReadOnlyList<T> items, Func<T, Task<TResult>> read)
    {
        var results = new TResult[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrent },
            async (i, _) => results[i] = await read(items[i]));
        return results;
    }
}
