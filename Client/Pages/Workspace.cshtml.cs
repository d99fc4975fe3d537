using OrleansBreaker.Client.Api;

namespace OrleansBreaker.Client.Pages;

/// <summary>The workspace overview: accounts × action types with breaker, reason, resume time and usage; campaigns; the safety-mode banner.</summary>
public sealed class WorkspaceModel : WorkspacePage
{
    public IReadOnlyList<AccountView> Accounts { get; private set; } = [];

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];

    public SafetyView Safety { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        var directory = await Cluster.GetGrain<IWorkspaceGrain>(Ws).GetDirectoryAsync();
        var accounts = Fanout.SelectAsync(directory.Accounts, id => Cluster.GetGrain<IAccountGrain>(GrainKeys.Scoped(Ws, id)).GetViewAsync());
        var campaigns = Fanout.SelectAsync(directory.Campaigns, id => Cluster.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Ws, id)).GetViewAsync());
        var safety = Cluster.GetGrain<ISafetyModeGrain>(Ws).GetViewAsync();
        Accounts = [.. (await accounts).Where(a => a.Exists)];
        Campaigns = [.. (await campaigns).Where(c => c.Exists)];
        Safety = await safety;
    }
}
