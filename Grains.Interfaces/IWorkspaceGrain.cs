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

    /// <summary>
    /// Adds a campaign without saying which accounts it sends from: its account page reads it until the
    /// directory learns them. Kept for campaign grains of builds before <see cref="SetCampaignAccountsAsync"/>.
    /// </summary>
    [Alias("AddCampaign")]
    Task AddCampaignAsync(string campaignId);

    /// <summary>
    /// Adds the campaign to the directory with the accounts it sends from (today one; a pool of 1-50
    /// with BRIEF §11), replacing those it had. Idempotent: the directory is written only when this
    /// changes it, so a campaign calls it on every configuration, which also mends an earlier call that failed.
    /// </summary>
    [Alias("SetCampaignAccounts")]
    Task SetCampaignAccountsAsync(string campaignId, IReadOnlyList<string> accountIds);

    /// <summary>
    /// Which campaigns send from the account, without asking any campaign. Read-only: it answers from
    /// memory and never writes, so interleaving with other calls is safe.
    /// </summary>
    [ReadOnly, Alias("GetCampaignsOf")]
    Task<AccountCampaigns> GetCampaignsOfAsync(string accountId);

    /// <summary>
    /// The accounts of campaigns in <see cref="AccountCampaigns.Unknown"/>, as a reader found them in
    /// their views; campaigns whose accounts are known already are left as they are (what a campaign
    /// told the directory itself is never older than a view read before). Written once, when anything is new.
    /// </summary>
    [Alias("LearnCampaignAccounts")]
    Task LearnCampaignAccountsAsync(IReadOnlyList<CampaignAccounts> campaigns);

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

/// <summary>
/// The campaigns of one account, from the directory. <see cref="Unknown"/> are campaigns stored before
/// the directory kept accounts per campaign: any of them may send from the account, so a reader reads
/// them (and can tell the directory what it found, <see cref="IWorkspaceGrain.LearnCampaignAccountsAsync"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.AccountCampaigns")]
public sealed record AccountCampaigns(
    [property: Id(0)] IReadOnlyList<string> Campaigns, [property: Id(1)] IReadOnlyList<string> Unknown);

/// <summary>One campaign and the accounts it sends from.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.CampaignAccounts")]
public sealed record CampaignAccounts([property: Id(0)] string CampaignId, [property: Id(1)] IReadOnlyList<string> AccountIds);
