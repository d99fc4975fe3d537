using Orleans.Concurrency;

namespace OrleansBreaker;

/// <summary>
/// One workspace, keyed by its id: the directory of its accounts and campaigns (for the dashboard and
/// the demo) and the hash of its API key. Off the dispatch path: only creations, sign-ins and the
/// dashboard call it.
/// </summary>
[Alias("OrleansBreaker.IWorkspaceGrain")]
public interface IWorkspaceGrain : IGrainWithStringKey
{
    [Alias("AddAccount")]
    Task AddAccountAsync(string accountId);

    [Alias("AddCampaign")]
    Task AddCampaignAsync(string campaignId);

    [Alias("GetDirectory")]
    Task<WorkspaceDirectory> GetDirectoryAsync();

    /// <summary>
    /// Creates the workspace with the SHA-256 hash of its API key; the key itself never reaches the
    /// cluster. Returns false, changing nothing, when the workspace was created before. A directory
    /// that accounts filled without a creation (the silo's seeded demo) can be created once.
    /// </summary>
    [Alias("Create")]
    Task<bool> CreateAsync(byte[] apiKeyHash);

    /// <summary>Whether <paramref name="apiKeyHash"/> is the hash of this workspace's key (constant-time). False when never created.</summary>
    // Read-only: it compares against state and never writes, so interleaving with other calls is safe.
    [ReadOnly, Alias("VerifyApiKey")]
    Task<bool> VerifyApiKeyAsync(byte[] apiKeyHash);
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.WorkspaceDirectory")]
public sealed record WorkspaceDirectory(
    [property: Id(0)] IReadOnlyList<string> Accounts, [property: Id(1)] IReadOnlyList<string> Campaigns)
{
    /// <summary>True once the workspace was created (it has an API key).</summary>
    [Id(2)] public bool Created { get; init; }
}
