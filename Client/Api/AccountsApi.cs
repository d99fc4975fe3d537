namespace OrleansBreaker.Client.Api;

/// <summary>Accounts of a workspace (API.md §3): create or update, list, read.</summary>
public static class AccountsApi
{
    /// <summary>Caps above this are surely a mistake (LinkedIn's own limits are in the hundreds).</summary>
    public const int MaxCap = 100_000;

    public static RouteGroupBuilder MapAccountsApi(this RouteGroupBuilder workspace)
    {
        workspace.MapPut("/accounts/{accountId}", PutAsync);
        workspace.MapGet("/accounts", ListAsync);
        workspace.MapGet("/accounts/{accountId}", GetAsync);
        return workspace;
    }

    public static IAccountGrain Account(this IClusterClient cluster, string workspace, string accountId) =>
        cluster.GetGrain<IAccountGrain>(GrainKeys.Scoped(workspace, accountId));

    public static IResult AccountNotFound(string accountId) => Problems.NotFound($"Account '{accountId}' not found.");

    private static async Task<IResult> PutAsync(string ws, string accountId, HttpRequest request, IClusterClient cluster)
    {
        var (root, error) = await RequestBody.ReadObjectAsync(request, request.HttpContext.RequestAborted);
        if (error is not null)
        {
            return error;
        }
        AccountRequest? parsed;
        using (root)
        {
            parsed = root is null ? new AccountRequest(null, [], null, null) : AccountRequest.Read(root.RootElement, out error);
        }
        if (parsed is null)
        {
            return error!;
        }
        var account = cluster.Account(ws, accountId);
        var current = await account.GetViewAsync();
        var settings = new AccountSettings
        {
            TimeZone = parsed.TimeZone,
            ResetDay = parsed.ResetDay,
            Status = parsed.Status,
            WarmUpDays = parsed.WarmUpDays,
            EndWarmUp = parsed.EndWarmUp,
            // A cap given alone keeps the other of its pair: the grain takes both or neither. The full caps,
            // not the warm-up's ramped ones.
            Limits = parsed.Limits.Count == 0 ? null : parsed.Limits.ToDictionary(l => l.Key, l => new CapLimits(
                l.Value.Daily ?? current.Usage[l.Key].FullDailyCap,
                l.Value.Weekly ?? current.Usage[l.Key].FullWeeklyCap)),
        };
        try
        {
            return Results.Ok(AccountJson.From(await account.ConfigureAsync(settings)));
        }
        catch (SeatTakenException taken)
        {
            return Problems.Conflict(taken.Message);
        }
    }

    private static async Task<IResult> ListAsync(string ws, IClusterClient cluster)
    {
        var directory = await cluster.GetGrain<IWorkspaceGrain>(ws).GetDirectoryAsync();
        var views = await Fanout.SelectAsync(directory.Accounts, id => cluster.Account(ws, id).GetViewAsync());
        return Results.Ok(new ItemsJson<AccountJson>([.. views.Where(v => v.Exists).Select(AccountJson.From)]));
    }

    private static async Task<IResult> GetAsync(string ws, string accountId, IClusterClient cluster)
    {
        var view = await cluster.Account(ws, accountId).GetViewAsync();
        return view.Exists ? Results.Ok(AccountJson.From(view)) : AccountNotFound(accountId);
    }

    private sealed record CapRequest(int? Daily, int? Weekly);

    private sealed record AccountRequest(string? TimeZone, Dictionary<ActionType, CapRequest> Limits, int? ResetDay, AccountStatus? Status,
        int? WarmUpDays = null, bool EndWarmUp = false)
    {
        public static AccountRequest? Read(System.Text.Json.JsonElement root, out IResult? error)
        {
            var body = new JsonBody.Reader(root, "").Only("timeZone", "limits", "resetDay", "status", "warmUp");
            var timeZone = body.String("timeZone", maxLength: 100);
            var resetDay = body.Int("resetDay", 1, 31);
            var status = body.Enum<AccountStatus>("status");
            var limits = new Dictionary<ActionType, CapRequest>();
            if (body.Object("limits") is { } limitsElement)
            {
                foreach (var property in limitsElement.EnumerateObject())
                {
                    if (!body.Ok)
                    {
                        break;
                    }
                    if (!EnumNames.TryParse<ActionType>(property.Name, out var action))
                    {
                        body.Fail($"limits: unknown action type '{Problems.Shorten(property.Name)}'; action types are {string.Join(", ", ActionTypes.All)}.");
                        break;
                    }
                    if (property.Value.ValueKind != System.Text.Json.JsonValueKind.Object)
                    {
                        body.Fail($"limits.{action} must be an object such as {{\"daily\":20,\"weekly\":100}}, got {JsonBody.Describe(property.Value)}.");
                        break;
                    }
                    var cap = body.Nested(property.Value, $"limits.{action}").Only("daily", "weekly");
                    var daily = cap.Int("daily", 0, MaxCap);
                    var weekly = cap.Int("weekly", 0, MaxCap);
                    if (cap.Ok && daily is null && weekly is null)
                    {
                        cap.Fail($"limits.{action} needs daily, weekly or both.");
                    }
                    if (body.Absorb(cap))
                    {
                        limits[action] = new CapRequest(daily, weekly);
                    }
                }
            }
            // "warmUp":{"days":21} starts a warm-up now; "warmUp":null ends it (BRIEF §12); absent keeps it.
            var endWarmUp = root.TryGetProperty("warmUp", out var warmUpValue) && warmUpValue.ValueKind == System.Text.Json.JsonValueKind.Null;
            int? warmUpDays = null;
            if (!endWarmUp && body.Object("warmUp") is { } warmUpElement)
            {
                var warmUp = body.Nested(warmUpElement, "warmUp").Only("days");
                warmUpDays = warmUp.Int("days", 1, WarmUp.MaxDays, required: true);
                body.Absorb(warmUp);
            }
            if (body.Ok && timeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
            {
                body.Fail($"Unknown time zone '{Problems.Shorten(timeZone)}': use an IANA name such as 'Europe/Paris' or 'UTC'.");
            }
            error = body.Ok ? null : Problems.BadRequest(body.Error!);
            return body.Ok ? new AccountRequest(timeZone, limits, resetDay, status, warmUpDays, endWarmUp) : null;
        }
    }
}
