using System.Security.Cryptography;

namespace OrleansBreaker.Workspaces;

[GenerateSerializer, Alias("OrleansBreaker.WorkspaceState")]
public sealed record WorkspaceState
{
    [Id(0)] public SortedSet<string> Accounts { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public SortedSet<string> Campaigns { get; set; } = new(StringComparer.Ordinal);
    /// <summary>SHA-256 of the workspace's API key; null until the workspace is created. The key itself is never stored.</summary>
    [Id(2)] public byte[]? ApiKeyHash { get; set; }
}

/// <summary>The directory and key hash of one workspace. Off the dispatch path: only creations, sign-ins and the dashboard call it.</summary>
internal sealed class WorkspaceGrain(
    [PersistentState("workspace", StorageNames.GrainStore)] IPersistentState<WorkspaceState> state) : Grain, IWorkspaceGrain
{
    /// <summary>SHA-256 output length: anything else is not a key hash.</summary>
    private const int HashLength = 32;

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
        Task.FromResult(new WorkspaceDirectory([.. state.State.Accounts], [.. state.State.Campaigns]) { Created = state.State.ApiKeyHash is not null });

    public async Task<bool> CreateAsync(byte[] apiKeyHash)
    {
        ArgumentNullException.ThrowIfNull(apiKeyHash);
        if (apiKeyHash.Length != HashLength)
        {
            throw new ArgumentException($"An API key hash is {HashLength} bytes (SHA-256), not {apiKeyHash.Length}.", nameof(apiKeyHash));
        }
        if (state.State.ApiKeyHash is not null)
        {
            return false;
        }
        state.State.ApiKeyHash = [.. apiKeyHash];
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored: the caller answers an error, so the key it generated must not work either.
            state.State.ApiKeyHash = null;
            throw;
        }
        return true;
    }

    public Task<bool> VerifyApiKeyAsync(byte[] apiKeyHash) =>
        Task.FromResult(state.State.ApiKeyHash is { } stored && apiKeyHash is { Length: HashLength }
            && CryptographicOperations.FixedTimeEquals(stored, apiKeyHash));
}
