using Microsoft.AspNetCore.Mvc;
using OrleansBreaker.Client.Api;

namespace OrleansBreaker.Client.Pages;

/// <summary>
/// One campaign: counters, steps with waiting counts and resume times, its accounts (each one's state for the
/// campaign's actions and the prospects it holds; the degraded banner), why prospects wait (counts per reason,
/// each opening the paged list of those prospects: the Waiting tab), and the Activity tab (newest first,
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

    public IReadOnlyList<PoolSeatCount> Seats { get; private set; } = [];

    public IReadOnlyDictionary<string, SeatView> SeatViews { get; private set; } = new Dictionary<string, SeatView>();

    public IReadOnlyDictionary<Reason, int> WaitingByReason { get; private set; } = new Dictionary<Reason, int>();

    public bool WaitingTab { get; private set; }

    /// <summary>The Waiting tab's reason (null: every waiting prospect).</summary>
    public Reason? WaitingReason { get; private set; }

    public IReadOnlyList<ProspectView> Waiting { get; private set; } = [];

    public string? WaitingAfter { get; private set; }

    public string? WaitingNext { get; private set; }

    public const int HistoryDays = 14;

    public PoolHistory? History { get; private set; }

    public IReadOnlyList<ActionType> Actions => [.. Campaign.Steps.Select(s => s.Action).Distinct()];

    public async Task<IActionResult> OnGetAsync(string? tab)
    {
        var grain = Cluster.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Ws, Route("campaignId")));
        Campaign = await grain.GetViewAsync();
        if (!Campaign.Exists)
        {
            return NotFound();
        }
        ActivityTab = string.Equals(tab, "activity", StringComparison.OrdinalIgnoreCase);
        WaitingTab = string.Equals(tab, "waiting", StringComparison.OrdinalIgnoreCase);
        if (WaitingTab)
        {
            return await WaitingPageAsync(grain);
        }
        if (!ActivityTab)
        {
            await LoadPoolAsync(grain);
        }
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

    private async Task LoadPoolAsync(ICampaignGrain grain)
    {
        var seats = grain.GetPoolSeatsAsync();
        var waiting = grain.GetWaitingByReasonAsync();
        var history = grain.GetPoolHistoryAsync(HistoryDays);
        Seats = await seats;
        WaitingByReason = await waiting;
        History = await history;
        var actions = Actions;
        var views = await Task.WhenAll(Seats.Select(s => Cluster.GetGrain<IAccountGrain>(GrainKeys.Scoped(Ws, s.AccountId)).GetSeatAsync(actions)));
        SeatViews = views.ToDictionary(v => v.AccountId, StringComparer.Ordinal);
    }

    private async Task<IActionResult> WaitingPageAsync(ICampaignGrain grain)
    {
        // The API's prospect list query (reason, accountId, cursor), with the status fixed to Waiting.
        if (!ProspectFilter.TryRead(Request.Query, out var query, out var problem))
        {
            FilterError = problem;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        WaitingReason = query.Reason;
        WaitingAfter = query.After;
        WaitingByReason = await grain.GetWaitingByReasonAsync();
        var page = await grain.ListProspectsAsync(query with { Status = ProspectStatus.Waiting, Limit = PageSize });
        Waiting = page.Items;
        WaitingNext = page.Next;
        return Page();
    }

    public string WaitingLink(Reason? reason, string? after = null)
    {
        var query = new Dictionary<string, string?> { ["tab"] = "waiting" };
        if (reason is { } r)
        {
            query["reason"] = r.ToString();
        }
        if (after is not null)
        {
            query["cursor"] = after;
        }
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(Link($"/campaigns/{Campaign.Id}"), query);
    }

    /// <summary>A seat's state for one action as the account itself would answer: can send, or why not and until when.</summary>
    public static (string Css, string Text, DateTimeOffset? Until) SeatState(SeatView seat, ActionType action)
    {
        if (!seat.Exists)
        {
            return ("bad", "no such account", null);
        }
        if (seat.Status != AccountStatus.Connected)
        {
            return ("bad", seat.Status.ToString(), null);
        }
        if (!seat.Actions.TryGetValue(action, out var a) || a.Reason == Reason.None)
        {
            return ("ok", "can send", null);
        }
        var css = a.Reason is Reason.InMailCreditsExhausted or Reason.ActionLimitReached ? "bad" : "warn";
        return (css, a.Reason.ToString(), a.At);
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
