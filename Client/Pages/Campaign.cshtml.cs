using Microsoft.AspNetCore.Mvc;
using OrleansBreaker.Client.Api;

namespace OrleansBreaker.Client.Pages;

/// <summary>
/// One campaign: counters, steps with waiting counts and resume times, and the Activity tab (newest first,
/// filtered by kind and reason, paged) with a one-click filter for the InMail credit skips.
/// </summary>
public sealed class CampaignModel : WorkspacePage
{
    public const int PageSize = 50;

    public CampaignView Campaign { get; private set; } = null!;

    public bool ActivityTab { get; private set; }

    public ActivityQuery Query { get; private set; } = new();

    public IReadOnlyList<EventRecord> Activity { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public string? FilterError { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? tab)
    {
        var grain = Cluster.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Ws, Route("campaignId")));
        Campaign = await grain.GetViewAsync();
        if (!Campaign.Exists)
        {
            return NotFound();
        }
        ActivityTab = string.Equals(tab, "activity", StringComparison.OrdinalIgnoreCase);
        if (ActivityTab)
        {
            if (!ActivityFilter.TryRead(Request.Query, out var query, out var problem))
            {
                FilterError = problem;
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
            }
            Query = query with { Limit = PageSize };
            if (ActivityFilter.HasEmptyValues(Request.Query))
            {
                // The filter form's "any" submits kind= or reason=: show the same list at its clean address.
                return Redirect(PageLink(ActivityCursor.Encode(Query.Before)));
            }
            var page = await grain.GetActivityAsync(Query);
            Activity = page.Items;
            NextCursor = ActivityCursor.Encode(page.Next);
        }
        return Page();
    }

    /// <summary>The "why is it stuck" lookup: straight to the prospect's page.</summary>
    public IActionResult OnGetFind(string? prospect) =>
        Ids.IsValid(prospect?.Trim()) ? Redirect(Link($"/campaigns/{Route("campaignId")}/prospects/{prospect!.Trim()}")) : NotFound();

    public string PageLink(string? cursor)
    {
        var query = new Dictionary<string, string?> { ["tab"] = "activity" };
        if (Query.Kind is { } kind)
        {
            query["kind"] = kind.ToString();
        }
        if (Query.Reason is { } reason)
        {
            query["reason"] = reason.ToString();
        }
        if (cursor is not null)
        {
            query["cursor"] = cursor;
        }
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(Link($"/campaigns/{Campaign.Id}"), query);
    }
}
