using Microsoft.AspNetCore.Mvc;
using OrleansBreaker.Client.Api;

namespace OrleansBreaker.Client.Pages;

/// <summary>One account: each breaker with its trip evidence and how it clears, usage, the campaigns on it. No force-clear, by design.</summary>
public sealed class AccountModel : WorkspacePage
{
    public AccountView Account { get; private set; } = null!;

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        var id = Route("accountId");
        Account = await Cluster.GetGrain<IAccountGrain>(GrainKeys.Scoped(Ws, id)).GetViewAsync();
        if (!Account.Exists)
        {
            return NotFound();
        }
        var directory = await Cluster.GetGrain<IWorkspaceGrain>(Ws).GetDirectoryAsync();
        var campaigns = await Fanout.SelectAsync(directory.Campaigns, c => Cluster.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Ws, c)).GetViewAsync());
        Campaigns = [.. campaigns.Where(c => c.Exists && c.AccountId == id)];
        return Page();
    }
}
