namespace OrleansBreaker;

/// <summary>
/// The one reader of the provider's outcome feed for the whole cluster (key <see cref="OutcomeFeed.Key"/>):
/// it follows every account's accepts and replies with one cursor and hands each to the campaign its
/// idempotency key names. Off the request path: no dispatch and no API call waits on it.
/// </summary>
[Alias("OrleansBreaker.IOutcomeFeedGrain")]
public interface IOutcomeFeedGrain : IGrainWithStringKey
{
    /// <summary>Brings the reader up (its activation starts the reading); every silo calls it now and then, so it comes back after its silo dies.</summary>
    [Alias("Ping")]
    Task PingAsync();

    /// <summary>Reads now, page after page, until the feed is caught up (bounded); returns how many outcomes were handed to campaigns.</summary>
    [Alias("ReadNow")]
    Task<int> ReadNowAsync();

    [Alias("GetView")]
    Task<OutcomeFeedView> GetViewAsync();

    /// <summary>
    /// Moves the cursor back (or forward) to <paramref name="cursor"/>: an operator's replay after an incident. Safe,
    /// because a campaign counts each prospect's accept and reply once, however often it is handed over.
    /// </summary>
    [Alias("Rewind")]
    Task RewindAsync(long cursor);
}

public static class OutcomeFeed
{
    /// <summary>The key of the cluster's one <see cref="IOutcomeFeedGrain"/>.</summary>
    public const string Key = "feed";
}

/// <summary>Where the reader stands: its persisted cursor, and what this activation handed over or skipped.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.OutcomeFeedView")]
public sealed record OutcomeFeedView
{
    [Id(0)] public long Cursor { get; init; }
    [Id(1)] public long HandedOver { get; init; }
    [Id(2)] public long Skipped { get; init; }
}
