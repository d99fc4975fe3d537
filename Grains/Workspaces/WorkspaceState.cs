namespace OrleansBreaker.Workspaces;

/// <summary>
/// The workspace grain's persisted state: its directory and key hash. Bounded by the workspace's own
/// size (its accounts and campaigns, and each campaign's 1-50 accounts).
/// </summary>
[GenerateSerializer, Alias("OrleansBreaker.WorkspaceState")]
public sealed record WorkspaceState
{
    [Id(0)] public SortedSet<string> Accounts { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public SortedSet<string> Campaigns { get; set; } = new(StringComparer.Ordinal);
    /// <summary>SHA-256 of the workspace's API key; null until the workspace is created. The key itself is never stored.</summary>
    [Id(2)] public byte[]? ApiKeyHash { get; set; }
    /// <summary>
    /// The accounts each campaign sends from, so that "which campaigns use account X" is answered here
    /// and not by reading every campaign. A set, not one id: a campaign will send from a pool (BRIEF §11).
    /// A campaign of <see cref="Campaigns"/> missing here was stored by a build before this field (the
    /// Orleans serializer leaves a field it does not find at its initial value): its accounts are not
    /// known until it is configured again or a page learns them (<see cref="WorkspaceGrain.LearnCampaignAccountsAsync"/>).
    /// </summary>
    [Id(3)] public Dictionary<string, SortedSet<string>> CampaignAccounts { get; set; } = new(StringComparer.Ordinal);
}
