using System.Globalization;
using OrleansBreaker.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Simulator;

/// <summary>The control API tests and demos drive the simulator with (API.md §4). No authentication, by design.</summary>
internal static class ControlApi
{
    public const int DefaultOutcomePage = 100;
    public const int MaxOutcomePage = 1000;

    public static IEndpointRouteBuilder MapControlApi(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/sim");
        sim.MapPut("/accounts/{accountId}", ConfigureAsync);
        sim.MapGet("/accounts/{accountId}", (string accountId, SimulatedLinkedIn linkedIn) =>
            Ids.IsValid(accountId) ? Results.Ok(AccountJson.From(linkedIn.View(accountId))) : Problems.InvalidId("accountId", accountId));
        sim.MapGet("/accounts/{accountId}/outcomes", (string accountId, HttpRequest request, SimulatedLinkedIn linkedIn) =>
            Outcomes(accountId, request, linkedIn, counted: false));
        // How often the provider API's feeds were read (not part of API.md §4's contract; added for tests).
        sim.MapGet("/feed", (SimulatedLinkedIn linkedIn) =>
        {
            var calls = linkedIn.FeedCalls;
            return Results.Ok(new FeedStatsJson(calls.FeedReads, calls.AccountFeedReads, linkedIn.FeedLastSeq));
        });
        sim.MapGet("/clock", ([FromKeyedServices(BreakerServices.ClockKey)] TimeProvider clock) => Results.Ok(new { now = clock.GetUtcNow().UtcDateTime }));

        // Totals over every account a request named (an addition to API.md §4): one cheap call for a load test.
        var directory = new AccountDirectory();
        if (app is IApplicationBuilder pipeline)
        {
            // Runs after routing (WebApplication routes first), so the route's accountId is known.
            pipeline.Use((context, next) =>
            {
                if (context.GetRouteValue("accountId") is string id)
                {
                    directory.Saw(id);
                }
                return next(context);
            });
        }
        sim.MapGet("/stats", (SimulatedLinkedIn linkedIn) => Results.Ok(StatsJson.Total(directory, linkedIn)));
        return app;
    }

    private static async Task<IResult> ConfigureAsync(string accountId, HttpRequest request, SimulatedLinkedIn linkedIn, ILoggerFactory loggers)
    {
        if (!Ids.IsValid(accountId))
        {
            return Problems.InvalidId("accountId", accountId);
        }
        var (root, error) = await RequestBody.ReadObjectAsync(request, request.HttpContext.RequestAborted);
        if (error is not null)
        {
            return error;
        }
        var settings = new SimulatedAccountSettings();
        using (root)
        {
            if (root is not null && !AccountSettingsReader.TryRead(root.RootElement, out settings, out var detail))
            {
                return Problems.BadRequest(detail);
            }
        }
        var view = linkedIn.Configure(accountId, settings);
        SimulatorLog.AccountConfigured(loggers.CreateLogger(SimulatorLog.Category), accountId, view.InMailCredits, view.InviteWeeklyLimit,
            view.Status, view.Fault, (long)view.Latency.TotalMilliseconds, view.AcceptRate, view.ReplyRate);
        return Results.Ok(AccountJson.From(view));
    }

    internal static IResult Outcomes(string accountId, HttpRequest request, SimulatedLinkedIn linkedIn, bool counted)
    {
        if (!Ids.IsValid(accountId))
        {
            return Problems.InvalidId("accountId", accountId);
        }
        if (!TryQuery(request, "since", 0, long.MaxValue, 0, out var since, out var error)
            || !TryQuery(request, "limit", 1, MaxOutcomePage, DefaultOutcomePage, out var limit, out error))
        {
            return Problems.BadRequest(error);
        }
        var items = counted ? linkedIn.ReadAccountFeed(accountId, since, (int)limit) : linkedIn.Outcomes(accountId, since, (int)limit);
        return Results.Ok(new OutcomePageJson(
            [.. items.Select(o => new OutcomeJson(o.Seq, o.ProspectId, o.Kind, o.Action, o.At.UtcDateTime, o.IdempotencyKey))],
            items.Count > 0 ? items[^1].Seq : since));
    }

    /// <summary><c>GET /v1/outcomes?since=N&amp;limit=M</c>: the provider-wide feed, after the cursor <c>since</c>.</summary>
    internal static IResult Feed(HttpRequest request, SimulatedLinkedIn linkedIn)
    {
        if (!TryQuery(request, "since", 0, long.MaxValue, 0, out var since, out var error)
            || !TryQuery(request, "limit", 1, MaxOutcomePage, DefaultOutcomePage, out var limit, out error))
        {
            return Problems.BadRequest(error);
        }
        var items = linkedIn.Feed(since, (int)limit);
        return Results.Ok(new FeedPageJson(
            [.. items.Select(o => new FeedOutcomeJson(o.Seq, o.AccountId, o.ProspectId, o.Kind, o.Action, o.At.UtcDateTime, o.IdempotencyKey))],
            items.Count > 0 ? items[^1].Seq : since));
    }

    private static bool TryQuery(HttpRequest request, string name, long min, long max, long fallback, out long value, out string error)
    {
        error = "";
        value = fallback;
        var values = request.Query[name];
        if (values.Count == 0)
        {
            return true;
        }
        if (values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }
        error = $"Query parameter '{name}' must be one whole number from {min} to {max}, got '{Problems.Shorten(values.ToString())}'.";
        return false;
    }
}

/// <summary>An account as the control API shows it: API.md §4's fields first, then the simulator's own settings.</summary>
internal sealed record AccountJson(
    string Id, int InMailCredits, AccountStatus Status,
    IReadOnlyDictionary<string, int> Calls, IReadOnlyDictionary<string, int> Delivered, int DuplicateKeys,
    int InviteWeeklyLimit, SimulatedFault Fault, long LatencyMs, double AcceptRate, double ReplyRate, bool AmbiguousCreditRefusals)
{
    public static AccountJson From(SimulatedAccountView v) => new(
        v.Id, v.InMailCredits, v.Status, ByName(v.Calls), ByName(v.Delivered), v.DuplicateKeys,
        v.InviteWeeklyLimit, v.Fault, (long)v.Latency.TotalMilliseconds, v.AcceptRate, v.ReplyRate, v.AmbiguousCreditRefusals);

    // Keyed by the action type names of BRIEF §2, in declaration order; types never called are left out, as in API.md's example.
    private static Dictionary<string, int> ByName(IReadOnlyDictionary<ActionType, int> counts) =>
        ActionTypes.All.Where(counts.ContainsKey).ToDictionary(a => a.ToString(), a => counts[a]);
}

/// <summary>One outcome; <c>At</c> is a UTC <see cref="DateTime"/> so it serialises with a "Z", as everywhere in API.md.</summary>
internal sealed record OutcomeJson(long Seq, string ProspectId, SimulatedOutcomeKind Kind, ActionType Action, DateTime At, string? IdempotencyKey);

/// <summary>A page of the outcome feed; pass <c>next</c> as <c>since</c> to get the entries after it.</summary>
internal sealed record OutcomePageJson(IReadOnlyList<OutcomeJson> Items, long Next);

/// <summary>One entry of the provider-wide feed: an account's outcome, numbered in one sequence for every account.</summary>
internal sealed record FeedOutcomeJson(long Seq, string AccountId, string ProspectId, SimulatedOutcomeKind Kind, ActionType Action, DateTime At, string? IdempotencyKey);

/// <summary>A page of the provider-wide feed; pass <c>next</c> as <c>since</c> to read on.</summary>
internal sealed record FeedPageJson(IReadOnlyList<FeedOutcomeJson> Items, long Next);

/// <summary>How often the provider API's feeds were read, and the newest entry of the provider-wide one.</summary>
internal sealed record FeedStatsJson(long FeedReads, long AccountFeedReads, long LastSeq);
