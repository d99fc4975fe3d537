using Microsoft.AspNetCore.Mvc;
using OrleansBreaker.Client.Api;

namespace OrleansBreaker.Client.Pages;

/// <summary>One account: each breaker with its trip evidence and how it clears, usage, the campaigns on it. No force-clear, by design.</summary>
public sealed partial class AccountModel(ILogger<AccountModel> logger) : WorkspacePage
{
    public AccountView Account { get; private set; } = null!;

    public IReadOnlyList<CampaignView> Campaigns { get; private set; } = [];

    public const int HistoryDays = 14;

    public AccountHistory History { get; private set; } = new("UTC", [], []);

    /// <summary>The actions the history chart shows: those delivered or tripped in the window.</summary>
    public IReadOnlyList<ActionType> ChartedActions =>
        [.. ActionTypes.All.Where(a => History.Days.Any(d => d.Sent.GetValueOrDefault(a) > 0) || History.Marks.Any(m => m.Action == a))];

    public async Task<IActionResult> OnGetAsync()
    {
        var id = Route("accountId");
        var grain = Cluster.GetGrain<IAccountGrain>(GrainKeys.Scoped(Ws, id));
        Account = await grain.GetViewAsync();
        if (!Account.Exists)
        {
            return NotFound();
        }
        History = await grain.GetHistoryAsync(HistoryDays);
        // The directory names this account's campaigns, so only those are read: reading every campaign of
        // the workspace cost one activation each, thousands per page at a large workspace (issue 11).
        var workspace = Cluster.GetGrain<IWorkspaceGrain>(Ws);
        var of = await workspace.GetCampaignsOfAsync(id);
        var views = await Fanout.SelectAsync([.. of.Campaigns, .. of.Unknown], c => Cluster.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Ws, c)).GetViewAsync());
        if (of.Unknown.Count > 0)
        {
            await LearnAsync(workspace, views[of.Campaigns.Count..]);
        }
        // The views have the last word: a directory that missed a move (its call failed after the campaign
        // committed) may still name a campaign that left.
        Campaigns = [.. views.Where(c => c.Exists && c.AccountIds.Contains(id)).OrderBy(c => c.Id, StringComparer.Ordinal)];
        return Page();
    }

    /// <summary>
    /// Campaigns stored before the directory kept their accounts are read by every account page until
    /// the directory knows them: it learns them from the views just read, so an upgraded workspace pays
    /// that once, not on every page. Losing this write costs only another read next time, so it never
    /// fails the page.
    /// </summary>
    private async Task LearnAsync(IWorkspaceGrain workspace, IEnumerable<CampaignView> unknown)
    {
        try
        {
            await workspace.LearnCampaignAccountsAsync(
                [.. unknown.Where(v => v.Exists && v.AccountIds.Count > 0).Select(v => new CampaignAccounts(v.Id, v.AccountIds))]);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLearnFailed(Ws, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {Workspace}: the directory could not learn the accounts of older campaigns; account pages read them until it does")]
    private partial void LogLearnFailed(string workspace, Exception ex);
}
