using System.Text.Json.Serialization;

namespace OrleansBreaker.Client.Api;

// The REST shapes of API.md §3. Grain records are mapped here, field by field: nothing internal
// leaks into the contract unless it is a deliberate addition (marked below).

public sealed record ItemsJson<T>(IReadOnlyList<T> Items);

public sealed record WorkspaceCreatedJson(string Id, string ApiKey);

public sealed record AccountJson(
    string Id,
    AccountStatus Status,
    IReadOnlyDictionary<string, BreakerJson> Breakers,
    IReadOnlyDictionary<string, UsageJson> Usage,
    // Additions.
    string TimeZone,
    int UnknownIntents)
{
    /// <summary>While a warm-up ramps (API.md §3): <c>{"days":21,"startedAt":"...","day":3}</c>; absent otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public WarmUpJson? WarmUp { get; init; }

    public static AccountJson From(AccountView view) => new(
        view.Id,
        view.Status,
        ActionTypes.All.ToDictionary(a => a.ToString(), a => BreakerJson.From(view.Breakers.GetValueOrDefault(a))),
        ActionTypes.All.ToDictionary(a => a.ToString(), a => UsageJson.From(view.Usage.GetValueOrDefault(a), view.WarmUp is not null)),
        view.TimeZone,
        view.UnknownIntents)
    {
        WarmUp = view.WarmUp is { } w ? new WarmUpJson(w.Days, w.StartedAt, w.Day) : null,
    };
}

public sealed record WarmUpJson(int Days, DateTimeOffset StartedAt, int Day);

/// <summary><c>{"state":"Closed"}</c>, or with <c>reason</c>, <c>trippedAt</c>, <c>resumeAt</c> (and the additions <c>evidence</c>, <c>clearsBy</c>) when not closed.</summary>
public sealed record BreakerJson(
    BreakerState State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OutcomeClass? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? TrippedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ResumeAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Evidence,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClearsBy)
{
    private static readonly BreakerJson Closed = new(BreakerState.Closed, null, null, null, null, null);

    public static BreakerJson From(BreakerView? view) => view is null || view.State == BreakerState.Closed
        ? Closed
        : new(view.State, view.Reason, view.TrippedAt, view.ResumeAt, view.Evidence, view.ClearsBy);
}

public sealed record UsageJson(int Today, int DailyCap, int ThisWeek, int WeeklyCap)
{
    /// <summary>During a warm-up, the caps without its ramp (<c>dailyCap</c>/<c>weeklyCap</c> are then the ramped ones).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? FullDailyCap { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? FullWeeklyCap { get; init; }

    public static UsageJson From(UsageView? view, bool warmingUp = false) => view is null
        ? new(0, 0, 0, 0)
        : new(view.Today, view.DailyCap, view.ThisWeek, view.WeeklyCap)
        {
            FullDailyCap = warmingUp ? view.FullDailyCap : null,
            FullWeeklyCap = warmingUp ? view.FullWeeklyCap : null,
        };
}

public sealed record CountersJson(int Sent, int Accepted, int Replied, int Skipped, int Failed);

public sealed record StepJson(
    ActionType Action,
    int Waiting,
    DateTimeOffset? ResumeAt,
    // Addition.
    int DelayMinutes);

public sealed record CampaignJson(
    string Id,
    string? AccountId,
    bool Active,
    CountersJson Counters,
    IReadOnlyList<StepJson> Steps,
    DateTimeOffset? ResumeAt,
    // Addition: how many prospects are enrolled.
    int Prospects,
    IReadOnlyList<string> AccountIds,
    IReadOnlyDictionary<ActionType, PoolHealthJson> Pool,
    bool Degraded)
{
    public static CampaignJson From(CampaignView view) => new(
        view.Id,
        view.AccountId,
        view.Active,
        new CountersJson(view.Counters.Sent, view.Counters.Accepted, view.Counters.Replied, view.Counters.Skipped, view.Counters.Failed),
        [.. view.Steps.Select(s => new StepJson(s.Action, s.Waiting, s.ResumeAt, s.DelayMinutes))],
        view.ResumeAt,
        view.Prospects,
        view.AccountIds,
        view.Pool.ToDictionary(p => p.Key, p => new PoolHealthJson(p.Value.Available, p.Value.Total, p.Value.NextAt)),
        view.Degraded);
}

/// <summary>One action type across a campaign's pool (API.md §3): accounts that can send it now, of how many, and when another can.</summary>
public sealed record PoolHealthJson(int Available, int Total, DateTimeOffset? NextAt);

public sealed record AddedJson(int Added, int Duplicates);

public sealed record ActivityJson(
    DateTimeOffset At,
    EventKind Kind,
    Reason? Reason,
    string? Text,
    ActionType? Action,
    string? AccountId,
    string? ProspectId,
    DateTimeOffset? ResumeAt,
    // Addition: where an external event came from.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Source)
{
    public static ActivityJson From(EventRecord e) =>
        new(e.At, e.Kind, e.Reason == OrleansBreaker.Reason.None ? null : e.Reason, e.Text, e.Action, e.AccountId, e.ProspectId, e.ResumeAt, e.Source);
}

public sealed record ActivityPageJson(IReadOnlyList<ActivityJson> Items, string? Next);

public sealed record ProspectPageJson(IReadOnlyList<ProspectJson> Items, string? Next);

public sealed record ProspectJson(
    string Id,
    int Step,
    ActionType? Action,
    ProspectStatus Status,
    Reason? Reason,
    DateTimeOffset? ResumeAt,
    // Additions.
    string? ProfileUrl,
    int Attempts,
    string? AccountId)
{
    public static ProspectJson From(ProspectView p) =>
        new(p.Id, p.Step, p.Action, p.Status, p.Reason == OrleansBreaker.Reason.None ? null : p.Reason, p.ResumeAt, p.ProfileUrl, p.Attempts, p.AccountId);
}

public sealed record SafetyJson(
    SafetyState State,
    DateTimeOffset? TrippedAt,
    DateTimeOffset? ResumeAt,
    int RecentErrors,
    int RecentAccounts,
    // Addition.
    int ConsecutiveTrips)
{
    public static SafetyJson From(SafetyView v) => new(v.State, v.TrippedAt, v.ResumeAt, v.RecentErrors, v.RecentAccounts, v.ConsecutiveTrips);
}

/// <summary>The answer to an external event (202): which campaigns recorded it (addition).</summary>
public sealed record EventAcceptedJson(string AccountId, EventKind Kind, IReadOnlyList<string> Campaigns);
