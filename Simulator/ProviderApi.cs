using System.Text.Json;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Simulator;

/// <summary>
/// The provider API the silo calls (our own wire format, see <see cref="WireCodes"/>):
/// <c>POST /v1/accounts/{accountId}/actions</c> with <c>{"action","prospectId","profileUrl","idempotencyKey"}</c>,
/// answered exactly as <see cref="SimulatedLinkedIn"/> decides, after the account's latency.
/// </summary>
internal static class ProviderApi
{
    /// <summary>The error code of a request the simulator could not read (a bug in the caller, never sent anywhere).</summary>
    public const string InvalidRequest = "INVALID_REQUEST";

    /// <summary>A <c>Timeout</c> fault holds the request at most this long, then drops the connection unanswered.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromMinutes(5);

    private const int MaxTextLength = 512;

    public static IEndpointRouteBuilder MapProviderApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/accounts/{accountId}/actions", ActAsync);
        // One account's feed of accepts and replies (the same feed as /sim/accounts/{id}/outcomes), counted:
        // the silo reads the provider-wide feed below, and a test proves no reader polls account by account.
        app.MapGet("/v1/accounts/{accountId}/outcomes", (string accountId, HttpRequest request, SimulatedLinkedIn linkedIn) =>
            ControlApi.Outcomes(accountId, request, linkedIn, counted: true));
        // Every account's accepts and replies in one sequence: one reader for the whole cluster.
        app.MapGet("/v1/outcomes", ControlApi.Feed);
        return app;
    }

    private static async Task<IResult> ActAsync(string accountId, HttpContext http, SimulatedLinkedIn linkedIn, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        if (!Ids.IsValid(accountId))
        {
            return Invalid($"accountId '{Problems.Shorten(accountId)}' is not a valid id: use 1 to 64 characters among A-Z, a-z, 0-9, '_' and '-'.");
        }
        var (root, error) = await RequestBody.ReadObjectAsync(http.Request, http.RequestAborted);
        if (error is not null)
        {
            return error;
        }
        UpstreamRequest request;
        using (root)
        {
            if (root is null)
            {
                return Invalid("The body is empty; send {\"action\":\"InMail\",\"prospectId\":\"p1\",\"profileUrl\":\"...\",\"idempotencyKey\":\"...\"}.");
            }
            if (!TryRead(accountId, root.RootElement, out request, out var detail))
            {
                return Invalid(detail);
            }
        }

        var log = loggers.CreateLogger(SimulatorLog.Category);
        var call = linkedIn.Perform(request);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        if (call.Answer.Transport == TransportOutcome.TimedOut)
        {
            SimulatorLog.Holding(log, accountId, request.Action, request.IdempotencyKey);
            // Never answer: the caller must see its own timeout. Nothing was delivered.
            await DelayAsync(MaxHold, gone.Token);
            http.Abort();
            return Results.Empty;
        }
        if (call.Latency > TimeSpan.Zero && !await DelayAsync(call.Latency, gone.Token))
        {
            // The action was performed on arrival; the caller gave up before hearing about it.
            SimulatorLog.CallerGaveUp(log, accountId, request.Action, request.IdempotencyKey);
            http.Abort();
            return Results.Empty;
        }
        SimulatorLog.Answered(log, accountId, request.Action, request.IdempotencyKey, call.Answer.StatusCode);
        var body = call.Answer.Body ?? "";
        var contentType = body.StartsWith('{') ? "application/json" : "text/html";
        return Results.Text(body, contentType, System.Text.Encoding.UTF8, call.Answer.StatusCode);
    }

    /// <summary>True when the whole delay elapsed, false when the caller left or the service is stopping.</summary>
    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            // Real time on purpose: latency belongs to the wire, not to the simulated calendar.
            await Task.Delay(delay, TimeProvider.System, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static bool TryRead(string accountId, JsonElement body, out UpstreamRequest request, out string error)
    {
        request = null!;
        error = "";
        if (!body.TryGetProperty("action", out var actionValue) || actionValue.ValueKind != JsonValueKind.String
            || !ActionTypes.TryParse(actionValue.GetString(), out var action))
        {
            error = $"action must be one of {string.Join(", ", ActionTypes.All)}.";
            return false;
        }
        if (!TryText(body, "prospectId", required: true, out var prospectId, out error)
            || !TryText(body, "idempotencyKey", required: true, out var key, out error)
            || !TryText(body, "profileUrl", required: false, out var profileUrl, out error))
        {
            return false;
        }
        request = new UpstreamRequest(accountId, action, prospectId!, profileUrl, key!);
        return true;
    }

    private static bool TryText(JsonElement body, string name, bool required, out string? value, out string error)
    {
        value = null;
        error = "";
        if (!body.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = required ? $"{name} is required." : "";
            return !required;
        }
        value = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (string.IsNullOrEmpty(value) || value.Length > MaxTextLength)
        {
            error = $"{name} must be a string of 1 to {MaxTextLength} characters.";
            return false;
        }
        return true;
    }

    private static IResult Invalid(string detail) =>
        Problems.BadRequest(detail, new Dictionary<string, object?> { ["error"] = InvalidRequest, ["message"] = detail });
}
