using System.Text.Json;
using OrleansBreaker.Client.Hosting;

namespace OrleansBreaker.Client.Api;

/// <summary>
/// <c>POST /api/workspaces/{ws}/events</c>: actions that happened outside our dispatch (API.md §3). Every
/// event is recorded on its account, where a <c>Sent</c> of a tripped action type clears that breaker at
/// once (BRIEF §4); <c>Accepted</c>/<c>Replied</c> also reach the campaigns of that account holding the prospect.
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
        var campaigns = new List<string>();
        if (evt.Kind != EventKind.Sent)
        {
            var (holding, notFound) = await CampaignsHoldingAsync(cluster, ws, evt);
            if (notFound is not null)
            {
                return notFound;
            }
            campaigns.AddRange(holding);
        }

        var at = evt.At ?? clock.GetUtcNow();
        // Accepted/Replied land in each campaign's own Activity through the campaign grain; the account's
        // record stays campaign-less so that the Activity tab does not show them twice.
        await account.RecordExternalEventAsync(new ExternalEvent
        {
            Action = evt.Action, Kind = evt.Kind, At = at, ProspectId = evt.ProspectId, Source = evt.Source,
            CampaignId = evt.Kind == EventKind.Sent ? evt.CampaignId : null,
        });
        foreach (var campaignId in campaigns)
        {
            await cluster.Campaign(ws, campaignId).RecordProspectEventAsync(evt.ProspectId!, evt.Kind);
        }
        return Results.Json(new EventAcceptedJson(evt.AccountId, evt.Kind, campaigns), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// The campaigns of the event's account that hold its prospect: the one named, or every campaign of
    /// the workspace on that account (read a few at a time). A named campaign must exist and hold the prospect.
    /// </summary>
    private static async Task<(IReadOnlyList<string> Campaigns, IResult? NotFound)> CampaignsHoldingAsync(IClusterClient cluster, string ws, EventRequest evt)
    {
        IReadOnlyList<string> candidates = evt.CampaignId is { } named
            ? [named]
            : (await cluster.GetGrain<IWorkspaceGrain>(ws).GetDirectoryAsync()).Campaigns;
        var found = await Fanout.SelectAsync(candidates, async id =>
        {
            var campaign = cluster.Campaign(ws, id);
            var view = await campaign.GetViewAsync();
            return (id, view.Exists, Holds: view.Exists && view.AccountId == evt.AccountId && await campaign.GetProspectAsync(evt.ProspectId!) is not null);
        });
        if (evt.CampaignId is { } campaignId && !found[0].Holds)
        {
            return ([], found[0].Exists
                ? Problems.NotFound($"Prospect '{evt.ProspectId}' is not in campaign '{campaignId}' of account '{evt.AccountId}'.")
                : CampaignsApi.CampaignNotFound(campaignId));
        }
        return ([.. found.Where(f => f.Holds).Select(f => f.id)], null);
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
