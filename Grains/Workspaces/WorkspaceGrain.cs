using System.Security.Cryptography;

namespace OrleansBreaker.Workspaces;

/// <summary>The directory and key hash of one workspace. Off the dispatch path: only creations, sign-ins and the dashboard call it.</summary>
internal sealed class WorkspaceGrain(
    [PersistentState("workspace", StorageNames.GrainStore)] IPersistentState<WorkspaceState> state) : Grain, IWorkspaceGrain
{
    /// <summary>SHA-256 output length: anything else is not a key hash.</summary>
    private const int HashLength = 32;

    // Over state.State as loaded at activation: nothing here reads the state again (that would replace the
    // object), and a failed write ends the activation, so the index never outlives the state it indexes.
    private CampaignAccountIndex _index = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _index = new CampaignAccountIndex(state.State);
        return Task.CompletedTask;
    }

    public async Task AddAccountAsync(string accountId)
    {
        if (state.State.Accounts.Add(accountId))
        {
            await WriteAsync();
        }
    }

    public async Task AddCampaignAsync(string campaignId)
    {
        if (_index.AddUnknown(campaignId))
        {
            await WriteAsync();
        }
    }

    public async Task SetCampaignAccountsAsync(string campaignId, IReadOnlyList<string> accountIds)
    {
        ArgumentNullException.ThrowIfNull(accountIds);
        if (_index.Set(campaignId, accountIds))
        {
            await WriteAsync();
        }
    }

    public async Task LearnCampaignAccountsAsync(IReadOnlyList<CampaignAccounts> campaigns)
    {
        ArgumentNullException.ThrowIfNull(campaigns);
        if (_index.Learn(campaigns))
        {
            await WriteAsync();
        }
    }

    public Task<AccountCampaigns> GetCampaignsOfAsync(string accountId) => Task.FromResult(_index.CampaignsOf(accountId));

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

    /// <summary>
    /// Writes the state. When that fails, memory is ahead of storage and a retried call would find
    /// nothing to change, so nothing would write it: the activation goes, and the next one reads what
    /// storage holds.
    /// </summary>
    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public Task<bool> VerifyApiKeyAsync(byte[] apiKeyHash) =>
        Task.FromResult(state.State.ApiKeyHash is { } stored && apiKeyHash is { Length: HashLength }
            && CryptographicOperations.FixedTimeEquals(stored, apiKeyHash));
}
