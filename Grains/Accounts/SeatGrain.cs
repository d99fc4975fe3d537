namespace OrleansBreaker.Accounts;

[GenerateSerializer, Alias("OrleansBreaker.SeatState")]
public sealed record SeatState
{
    /// <summary>The workspace that holds the seat; null until one claims it.</summary>
    [Id(0)] public string? WorkspaceId { get; set; }
}

/// <summary>The holder of one LinkedIn seat (<see cref="ISeatGrain"/>). Off the dispatch path: only account configuration calls it.</summary>
internal sealed class SeatGrain(
    [PersistentState("seat", StorageNames.GrainStore)] IPersistentState<SeatState> state) : Grain, ISeatGrain
{
    public async Task<bool> ClaimAsync(string workspaceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(workspaceId);
        if (state.State.WorkspaceId is { } holder)
        {
            return string.Equals(holder, workspaceId, StringComparison.Ordinal);
        }
        state.State.WorkspaceId = workspaceId;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored: the caller answers an error, so the seat must stay free for whoever tries next.
            state.State.WorkspaceId = null;
            throw;
        }
        return true;
    }
}
