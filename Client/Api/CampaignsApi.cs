using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrleansBreaker.Client.Api;

/// <summary>Campaigns, their prospects and their Activity (API.md §3).</summary>
public static class CampaignsApi
{
    public const int MaxSteps = 50;
    public const int MaxDelayMinutes = 525_600; // a year
    public const int MaxProspectsPerRequest = 10_000;
    public const int DefaultActivityLimit = 50;
    public const int MaxActivityLimit = 500;

    public static RouteGroupBuilder MapCampaignsApi(this RouteGroupBuilder workspace)
    {
        workspace.MapPut("/campaigns/{campaignId}", PutAsync);
        workspace.MapGet("/campaigns", ListAsync);
        workspace.MapGet("/campaigns/{campaignId}", GetAsync);
        workspace.MapPost("/campaigns/{campaignId}/prospects", AddProspectsAsync);
        workspace.MapGet("/campaigns/{campaignId}/prospects", ListProspectsAsync);
        workspace.MapGet("/campaigns/{campaignId}/prospects/{prospectId}", GetProspectAsync);
        workspace.MapGet("/campaigns/{campaignId}/activity", ActivityAsync);
        return workspace;
    }

    public static ICampaignGrain Campaign(this IClusterClient cluster, string workspace, string campaignId) =>
        cluster.GetGrain<ICampaignGrain>(GrainKeys.Scoped(workspace, campaignId));

    public static IResult CampaignNotFound(string campaignId) => Problems.NotFound($"Campaign '{campaignId}' not found.");

    private static async Task<IResult> PutAsync(string ws, string campaignId, HttpRequest request, IClusterClient cluster)
    {
        var (root, error) = await RequestBody.ReadObjectAsync(request, request.HttpContext.RequestAborted);
        if (error is not null)
        {
            return error;
        }
        if (root is null)
        {
            return Problems.BadRequest("The body must be a JSON object with accountId and steps.");
        }
        CampaignSettings? settings;
        using (root)
        {
            settings = ReadCampaign(root.RootElement, out error);
        }
        if (settings is null)
        {
            return error!;
        }
        // The account key is scoped by workspace, so an account of another workspace is simply not here.
        var field = settings.AccountIds is null ? "accountId" : "accountIds";
        var views = await Fanout.SelectAsync(settings.Pool, id => cluster.Account(ws, id).GetViewAsync());
        if (settings.Pool.Zip(views).Where(v => !v.Second.Exists).Select(v => v.First).ToList() is { Count: > 0 } missing)
        {
            var names = string.Join(", ", missing.Take(5).Select(id => $"'{id}'")) + (missing.Count > 5 ? $" and {missing.Count - 5} more" : "");
            return Problems.BadRequest($"{field} {names} {(missing.Count == 1 ? "is not an account" : "are not accounts")} of this workspace; create {(missing.Count == 1 ? "it" : "them")} first (PUT /api/workspaces/{ws}/accounts/{missing[0]}).");
        }
        return Results.Ok(CampaignJson.From(await cluster.Campaign(ws, campaignId).ConfigureAsync(settings)));
    }

    private static CampaignSettings? ReadCampaign(JsonElement root, out IResult? error)
    {
        var body = new JsonBody.Reader(root, "").Only("accountId", "accountIds", "steps", "active");
        var pool = ReadPool(body);
        var accountId = pool is null ? body.Id("accountId", required: true) : null;
        var active = body.Bool("active") ?? true;
        var steps = new List<StepDefinition>();
        if (body.Array("steps", required: true) is { } array)
        {
            var count = array.GetArrayLength();
            if (count is 0 or > MaxSteps)
            {
                body.Fail($"steps must hold 1 to {MaxSteps} steps, got {count}.");
            }
            var i = 0;
            foreach (var element in array.EnumerateArray())
            {
                if (!body.Ok)
                {
                    break;
                }
                var name = $"steps[{i++}]";
                if (element.ValueKind != JsonValueKind.Object)
                {
                    body.Fail($"{name} must be an object such as {{\"action\":\"Invite\",\"delayMinutes\":0}}, got {JsonBody.Describe(element)}.");
                    break;
                }
                var step = body.Nested(element, name).Only("action", "delayMinutes");
                var action = step.Enum<ActionType>("action", required: true);
                var delay = step.Int("delayMinutes", 0, MaxDelayMinutes) ?? 0;
                if (body.Absorb(step))
                {
                    steps.Add(new StepDefinition(action!.Value, delay));
                }
            }
        }
        error = body.Ok ? null : Problems.BadRequest(body.Error!);
        return body.Ok ? new CampaignSettings { AccountId = accountId ?? pool![0], AccountIds = pool, Steps = steps, Active = active } : null;
    }

    /// <summary>A pool (<c>accountIds</c>, BRIEF §11): 1 to 50 distinct account ids; null when the body names one <c>accountId</c> instead.</summary>
    private static List<string>? ReadPool(JsonBody.Reader body)
    {
        if (!body.Has("accountIds"))
        {
            return null;
        }
        if (body.Has("accountId"))
        {
            body.Fail("Give either accountId (one account) or accountIds (a pool), not both.");
            return null;
        }
        if (body.Array("accountIds") is not { } array)
        {
            return null;
        }
        var count = array.GetArrayLength();
        if (count is 0 or > CampaignSettings.MaxPool)
        {
            body.Fail($"accountIds must hold 1 to {CampaignSettings.MaxPool} accounts, got {count}.");
            return null;
        }
        var pool = new List<string>(count);
        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            var name = $"accountIds[{i++}]";
            if (element.ValueKind != JsonValueKind.String || element.GetString() is not { } id || !Ids.IsValid(id))
            {
                body.Fail($"{name} must be an account id matching [A-Za-z0-9_-]{{1,64}}, got {JsonBody.Describe(element)}.");
                return null;
            }
            if (pool.Contains(id, StringComparer.Ordinal))
            {
                body.Fail($"{name} '{id}' is named twice; a pool names each account once.");
                return null;
            }
            pool.Add(id);
        }
        return pool;
    }

    private static async Task<IResult> ListAsync(string ws, IClusterClient cluster)
    {
        var directory = await cluster.GetGrain<IWorkspaceGrain>(ws).GetDirectoryAsync();
        var views = await Fanout.SelectAsync(directory.Campaigns, id => cluster.Campaign(ws, id).GetViewAsync());
        return Results.Ok(new ItemsJson<CampaignJson>([.. views.Where(v => v.Exists).Select(CampaignJson.From)]));
    }

    private static async Task<IResult> GetAsync(string ws, string campaignId, IClusterClient cluster)
    {
        var view = await cluster.Campaign(ws, campaignId).GetViewAsync();
        return view.Exists ? Results.Ok(CampaignJson.From(view)) : CampaignNotFound(campaignId);
    }

    private static async Task<IResult> AddProspectsAsync(string ws, string campaignId, HttpRequest request, IClusterClient cluster)
    {
        var (root, error) = await RequestBody.ReadObjectAsync(request, request.HttpContext.RequestAborted);
        if (error is not null)
        {
            return error;
        }
        if (root is null)
        {
            return Problems.BadRequest("The body must be a JSON object such as {\"prospects\":[{\"id\":\"p1\",\"profileUrl\":\"https://www.linkedin.com/in/someone\"}]}.");
        }
        List<ProspectInput>? prospects;
        using (root)
        {
            prospects = ReadProspects(root.RootElement, out error);
        }
        if (prospects is null)
        {
            return error!;
        }
        var campaign = cluster.Campaign(ws, campaignId);
        if (!(await campaign.GetViewAsync()).Exists)
        {
            return CampaignNotFound(campaignId);
        }
        var result = await campaign.AddProspectsAsync(prospects);
        return Results.Json(new AddedJson(result.Added, result.Duplicates), statusCode: StatusCodes.Status202Accepted);
    }

    private static List<ProspectInput>? ReadProspects(JsonElement root, out IResult? error)
    {
        var body = new JsonBody.Reader(root, "").Only("prospects");
        var prospects = new List<ProspectInput>();
        if (body.Array("prospects", required: true) is { } array)
        {
            if (array.GetArrayLength() > MaxProspectsPerRequest)
            {
                body.Fail($"prospects holds {array.GetArrayLength()} prospects; send at most {MaxProspectsPerRequest} per request.");
            }
            var i = 0;
            foreach (var element in array.EnumerateArray())
            {
                if (!body.Ok)
                {
                    break;
                }
                var name = $"prospects[{i++}]";
                if (element.ValueKind != JsonValueKind.Object)
                {
                    body.Fail($"{name} must be an object such as {{\"id\":\"p1\",\"profileUrl\":\"https://www.linkedin.com/in/someone\"}}, got {JsonBody.Describe(element)}.");
                    break;
                }
                var prospect = body.Nested(element, name).Only("id", "profileUrl");
                var id = prospect.Id("id", required: true);
                var url = prospect.String("profileUrl");
                if (url is not null && !IsWebUrl(url))
                {
                    prospect.Fail($"{name}.profileUrl '{Problems.Shorten(url)}' must be an absolute http or https URL.");
                }
                if (body.Absorb(prospect))
                {
                    prospects.Add(new ProspectInput(id!, url));
                }
            }
        }
        error = body.Ok ? null : Problems.BadRequest(body.Error!);
        return body.Ok ? prospects : null;
    }

    public static bool IsWebUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Host.Length > 0;

    private static async Task<IResult> ListProspectsAsync(string ws, string campaignId, HttpRequest request, IClusterClient cluster)
    {
        if (!ProspectFilter.TryRead(request.Query, out var query, out var problem))
        {
            return Problems.BadRequest(problem);
        }
        var campaign = cluster.Campaign(ws, campaignId);
        if (!(await campaign.GetViewAsync()).Exists)
        {
            return CampaignNotFound(campaignId);
        }
        var page = await campaign.ListProspectsAsync(query);
        return Results.Ok(new ProspectPageJson([.. page.Items.Select(ProspectJson.From)], page.Next));
    }

    private static async Task<IResult> GetProspectAsync(string ws, string campaignId, string prospectId, IClusterClient cluster)
    {
        var campaign = cluster.Campaign(ws, campaignId);
        if (!(await campaign.GetViewAsync()).Exists)
        {
            return CampaignNotFound(campaignId);
        }
        var prospect = await campaign.GetProspectAsync(prospectId);
        return prospect is null
            ? Problems.NotFound($"Prospect '{prospectId}' is not in campaign '{campaignId}'.")
            : Results.Ok(ProspectJson.From(prospect));
    }

    private static async Task<IResult> ActivityAsync(string ws, string campaignId, HttpRequest request, IClusterClient cluster)
    {
        if (!ActivityFilter.TryRead(request.Query, out var query, out var problem))
        {
            return Problems.BadRequest(problem);
        }
        var campaign = cluster.Campaign(ws, campaignId);
        if (!(await campaign.GetViewAsync()).Exists)
        {
            return CampaignNotFound(campaignId);
        }
        var page = await campaign.GetActivityAsync(query);
        return Results.Ok(new ActivityPageJson([.. page.Items.Select(ActivityJson.From)], ActivityCursor.Encode(page.Next)));
    }
}

/// <summary>
/// What the list endpoints' query strings share: each name given at most once; an empty value (<c>kind=</c>) is
/// absent, as a browser form sends its "any" choice and as API.md says every filter is optional; anything else
/// unknown is a 400 with a detail that says what is allowed.
/// </summary>
internal static class QueryValues
{
    public static string? Repeated(IQueryCollection query, string[] names) =>
        names.FirstOrDefault(n => query[n].Count > 1) is { } name ? $"Query parameter '{name}' is given more than once." : null;

    public static string? Value(IQueryCollection query, string name) => query[name] is { Count: 1 } v && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

    public static bool HasEmptyValues(IQueryCollection query, string[] names) =>
        names.Any(name => query[name] is { Count: 1 } v && string.IsNullOrEmpty(v[0]));

    /// <summary>An enum by name; <paramref name="excluded"/> (e.g. <c>Reason.None</c>) is not a filter anyone can ask for.</summary>
    public static bool TryEnum<T>(IQueryCollection query, string name, out T? value, ref string problem, T? excluded = null) where T : struct, Enum
    {
        value = null;
        if (Value(query, name) is not { } text)
        {
            return true;
        }
        if (!EnumNames.TryParse<T>(text, out var parsed) || Equals(parsed, excluded))
        {
            var allowed = Enum.GetNames<T>().Where(n => excluded is not { } x || n != x.ToString());
            problem = $"{name} must be one of {string.Join(", ", allowed)}, got '{Problems.Shorten(text)}'.";
            return false;
        }
        value = parsed;
        return true;
    }

    public static bool TryLimit(IQueryCollection query, out int? limit, ref string problem)
    {
        limit = null;
        if (Value(query, "limit") is not { } text)
        {
            return true;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed is < 1 or > CampaignsApi.MaxActivityLimit)
        {
            problem = $"limit must be a whole number from 1 to {CampaignsApi.MaxActivityLimit}, got '{Problems.Shorten(text)}'.";
            return false;
        }
        limit = parsed;
        return true;
    }

    public static string BadCursor(string cursor) =>
        $"cursor '{Problems.Shorten(cursor)}' is not one this API gave: pass the 'next' of a previous page as it was.";
}

/// <summary>The Activity filter of the query string: <c>kind</c>, <c>reason</c>, <c>limit</c>, <c>cursor</c>.</summary>
public static class ActivityFilter
{
    private static readonly string[] Names = ["kind", "reason", "limit", "cursor"];

    public static bool TryRead(IQueryCollection query, out ActivityQuery result, out string problem)
    {
        result = new ActivityQuery { Limit = CampaignsApi.DefaultActivityLimit };
        problem = QueryValues.Repeated(query, Names) ?? "";
        if (problem.Length > 0
            || !QueryValues.TryEnum<EventKind>(query, "kind", out var kind, ref problem)
            || !QueryValues.TryEnum<Reason>(query, "reason", out var reason, ref problem, Reason.None)
            || !QueryValues.TryLimit(query, out var limit, ref problem))
        {
            return false;
        }
        result = result with { Kind = kind, Reason = reason, Limit = limit ?? result.Limit };
        if (QueryValues.Value(query, "cursor") is { } cursorText)
        {
            if (ActivityCursor.Decode(cursorText) is not { } before)
            {
                problem = QueryValues.BadCursor(cursorText);
                return false;
            }
            result = result with { Before = before };
        }
        return true;
    }

    /// <summary>True when a parameter is given empty, so a page can answer with its address without it.</summary>
    public static bool HasEmptyValues(IQueryCollection query) => QueryValues.HasEmptyValues(query, Names);
}

/// <summary>
/// The prospects list's query (API.md §3): <c>status</c>, <c>reason</c>, <c>accountId</c>, <c>limit</c> (1 to 500) and
/// <c>cursor</c> (the <c>next</c> of a previous page: the last prospect id it held). Empty values are absent.
/// </summary>
public static class ProspectFilter
{
    private static readonly string[] Names = ["status", "reason", "accountId", "limit", "cursor"];

    public static bool TryRead(IQueryCollection query, out ProspectQuery result, out string problem)
    {
        result = new ProspectQuery { Limit = CampaignsApi.DefaultActivityLimit };
        problem = QueryValues.Repeated(query, Names) ?? "";
        if (problem.Length > 0
            || !QueryValues.TryEnum<ProspectStatus>(query, "status", out var status, ref problem)
            || !QueryValues.TryEnum<Reason>(query, "reason", out var reason, ref problem, Reason.None)
            || !QueryValues.TryLimit(query, out var limit, ref problem))
        {
            return false;
        }
        result = result with { Status = status, Reason = reason, Limit = limit ?? result.Limit };
        if (QueryValues.Value(query, "accountId") is { } accountId)
        {
            if (!Ids.IsValid(accountId))
            {
                problem = $"accountId must match [A-Za-z0-9_-]{{1,64}}, got '{Problems.Shorten(accountId)}'.";
                return false;
            }
            result = result with { AccountId = accountId };
        }
        if (QueryValues.Value(query, "cursor") is { } cursor)
        {
            if (!Ids.IsValid(cursor))
            {
                problem = QueryValues.BadCursor(cursor);
                return false;
            }
            result = result with { After = cursor };
        }
        return true;
    }
}

/// <summary>An opaque paging cursor: the event log sequence to continue below, base64url-wrapped.</summary>
public static class ActivityCursor
{
    private const string Prefix = "a1:";

    public static string? Encode(long? next) =>
        next is { } seq ? Base64Url.EncodeToString(Encoding.ASCII.GetBytes(Prefix + seq.ToString(CultureInfo.InvariantCulture))) : null;

    public static long? Decode(string cursor)
    {
        if (cursor.Length is 0 or > 64 || !Base64Url.IsValid(cursor))
        {
            return null;
        }
        var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
        return text.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? seq
            : null;
    }
}
