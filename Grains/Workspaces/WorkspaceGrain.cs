namespace OrleansBreaker.Workspaces;

[GenerateSerializer, Alias("OrleansBreaker.WorkspaceState")]
public sealed record WorkspaceState
{
    [Id(0)] public SortedSet<string> Accounts { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public SortedSet<string> Campaigns { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The directory of one workspace. Off the dispatch path: only creations and the dashboard call it.</summary>
internal sealed class WorkspaceGrain(
    [PersistentState("workspace", StorageNames.GrainStore)] IPersistentState<WorkspaceState> state) : Grain, IWorkspaceGrain
{
    public async Task AddAccountAsync(string accountId)
    {
        if (state.State.Accounts.Add(accountId))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task AddCampaignAsync(string campaignId)
    {
        if (state.State.Campaigns.Add(campaignId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<WorkspaceDirectory> GetDirectoryAsync() =>
        Task.FromResult(new WorkspaceDirectory([.. state.State.Accounts], [.. state.State.Campaigns]));
}
