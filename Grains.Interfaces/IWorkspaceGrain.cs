namespace OrleansBreaker;

/// <summary>Directory of one workspace's accounts and campaigns, for the dashboard and the demo.</summary>
[Alias("OrleansBreaker.IWorkspaceGrain")]
public interface IWorkspaceGrain : IGrainWithStringKey
{
    [Alias("AddAccount")]
    Task AddAccountAsync(string accountId);

    [Alias("AddCampaign")]
    Task AddCampaignAsync(string campaignId);

    [Alias("GetDirectory")]
    Task<WorkspaceDirectory> GetDirectoryAsync();
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.WorkspaceDirectory")]
public sealed record WorkspaceDirectory(
    [property: Id(0)] IReadOnlyList<string> Accounts, [property: Id(1)] IReadOnlyList<string> Campaigns);
