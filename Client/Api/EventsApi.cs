using System.Text.Json;
using OrleansBreaker.Client.Hosting;

namespace OrleansBreaker.Client.Api;

/// <summary>
/// <c>POST /api/workspaces/{ws}/events</c>: actions that happened outside our dispatch (API.md §3). Every
/// event is recorded on its account, where a <c>Sent</c> of a tripped action type clears that breaker at
/// once (BRIEF §4); the account routes <c>Accepted</c>/<c>Replied</c> to the campaign of the prospect.
/// </summary>
public static class EventsApi
{
    private static readonly EventKind[] Kinds = [EventKind.Sent, EventKind.Accepted, EventKind.Replied];

    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder workspace)
    {
        workspace.MapPost("/events", PostAsync);
        workspace.MapGet("/safety", async (string ws, IClusterClient cluster) =>
            Results.Ok(SafetyJson.From(await cluster.GetGrain<ISafetyModeGrain>(ws).GetViewAsync())));
        return workspace;
    }

    private sealed record EventRequest(string AccountId, ActionType Action, EventKind Kind, DateTimeOffset? At, string? ProspectId, string? Source, string? CampaignId);

    private static async Task<IResult> PostAsync(string ws, HttpRequest request, IClusterClient cluster, [FromKeyedServices(ClientClock.Key)] TimeProvider clock)
    {
        var (root, error) = await RequestBody.ReadObjectAsync(request, request.HttpContext.RequestAborted);
        if (error is not null)
        {
            return error;
        }
        if (root is null)
        {
            return Problems.BadRequest("The body must be a JSON object with accountId, action and kind.");
        }
        EventRequest? evt;
        using (root)
        {
            evt = Read(root.RootElement, out error);
        }
        if (evt is null)
        {
            return error!;
        }

        var account = cluster.Account(ws, evt.AccountId);
        if (!(await account.GetViewAsync()).Exists)
        {
            return AccountsApi.AccountNotFound(evt.AccountId);
        }
        if (evt.Kind != EventKind.Sent && evt.CampaignId is { } named && await NamedCampaignProblemAsync(cluster, ws, named, evt) is { } notFound)
        {
            return notFound;
        }

        // The account records the event and routes an accept or reply to its campaign (the one named, else
        // the one whose delivery to the prospect the account made last): one place, and no fan-out here.
        var recorded = await account.RecordExternalEventAsync(new ExternalEvent
        {
            Action = evt.Action, Kind = evt.Kind, At = evt.At ?? clock.GetUtcNow(), ProspectId = evt.ProspectId, Source = evt.Source,
            CampaignId = evt.CampaignId,
        });
        IReadOnlyList<string> campaigns = evt.Kind != EventKind.Sent && recorded.CampaignId is { } routed ? [routed] : [];
        return Results.Json(new EventAcceptedJson(evt.AccountId, evt.Kind, campaigns), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>A campaign named by an accept or reply must exist, be on the event's account and hold the prospect.</summary>
    private static async Task<IResult?> NamedCampaignProblemAsync(IClusterClient cluster, string ws, string campaignId, EventRequest evt)
    {
        var campaign = cluster.Campaign(ws, campaignId);
        var view = await campaign.GetViewAsync();
        if (!view.Exists)
        {
            return CampaignsApi.CampaignNotFound(campaignId);
        }
        return view.AccountIds.Contains(evt.AccountId) && await campaign.GetProspectAsync(evt.ProspectId!) is not null
            ? null
            : Problems.NotFound($"Prospect '{evt.ProspectId}' is not in campaign '{campaignId}' of account '{evt.AccountId}'.");
    }

    private static EventRequest? Read(JsonElement root, out IResult? error)
    {
        var body = new JsonBody.Reader(root, "").Only("accountId", "action", "kind", "at", "prospectId", "source", "campaignId");
        var accountId = body.Id("accountId", required: true);
        var action = body.Enum<ActionType>("action", required: true);
        var kind = body.Enum("kind", required: true, allowed: Kinds);
        var at = body.Instant("at");
        var prospectId = body.Id("prospectId");
        var source = body.String("source", maxLength: 100);
        var campaignId = body.Id("campaignId");
        if (body.Ok && kind is EventKind.Accepted or EventKind.Replied && prospectId is null)
        {
            body.Fail($"prospectId is required for a {kind} event: it names the prospect who accepted or replied.");
        }
        error = body.Ok ? null : Problems.BadRequest(body.Error!);
        return body.Ok ? new EventRequest(accountId!, action!.Value, kind!.Value, at, prospectId, source, campaignId) : null;
    }
}
