namespace OrleansBreaker.Outcomes;

/// <summary>The feed reader's persisted state: only the cursor, so every write is a few bytes whatever the cluster's size.</summary>
[GenerateSerializer, Alias("OrleansBreaker.OutcomeFeedState")]
public sealed record OutcomeFeedState
{
    /// <summary>The provider's feed has been handed over up to here (0 = nothing yet).</summary>
    [Id(0)] public long Cursor { get; set; }
}
