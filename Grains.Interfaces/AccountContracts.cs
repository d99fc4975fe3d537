namespace OrleansBreaker;

/// <summary>Daily and weekly caps of one action type. 0 disables the action type.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.CapLimits")]
public sealed record CapLimits([property: Id(0)] int Daily, [property: Id(1)] int Weekly);

/// <summary>Creates or updates an account. Null fields keep their current value.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.AccountSettings")]
public sealed record AccountSettings
{
    [Id(0)] public string? TimeZone { get; init; }
    [Id(1)] public IReadOnlyDictionary<ActionType, CapLimits>? Limits { get; init; }
    /// <summary>Day of month the InMail credits renew on (1 by default; clamped to the month's length).</summary>
    [Id(2)] public int? ResetDay { get; init; }
    [Id(3)] public AccountStatus? Status { get; init; }
    /// <summary>When this account may act, in its own time zone; null keeps the current (default: the silo's <c>Dispatch:WorkingHours</c>).</summary>
    [Id(4)] public WorkingHours? WorkingHours { get; init; }
    /// <summary>Starts a warm-up of this many days now (BRIEF §12); null keeps the current one.</summary>
    [Id(5)] public int? WarmUpDays { get; init; }
    /// <summary>Ends the account's warm-up: its full caps apply from now.</summary>
    [Id(6)] public bool EndWarmUp { get; init; }
}

/// <summary>A warm-up as the account view shows it: its length, its start, and today's day of it (1-based, local).</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.WarmUpView")]
public sealed record WarmUpView([property: Id(0)] int Days, [property: Id(1)] DateTimeOffset StartedAt, [property: Id(2)] int Day);

/// <summary>A warm-up (BRIEF §12): <see cref="Days"/> local days counted from the day of <see cref="StartedAt"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.WarmUp")]
public sealed record WarmUp([property: Id(0)] int Days, [property: Id(1)] DateTimeOffset StartedAt)
{
    /// <summary>The longest warm-up an account may be given (a year).</summary>
    public const int MaxDays = 365;
}

/// <summary>Daily window in the account's time zone, on the given days. <see cref="Start"/> equal to <see cref="End"/> means all day.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.WorkingHours")]
public sealed record WorkingHours
{
    [Id(0)] public TimeOnly Start { get; init; }
    [Id(1)] public TimeOnly End { get; init; }
    [Id(2)] public IReadOnlyList<DayOfWeek> Days { get; init; } = [];
}

public enum BreakerState
{
    Closed = 0,
    Open = 1,
    /// <summary>Resumed after a scheduled reset: the next dispatch is a single-flight probe.</summary>
    Probing = 2,
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.BreakerView")]
public sealed record BreakerView
{
    [Id(0)] public required BreakerState State { get; init; }
    [Id(1)] public OutcomeClass? Reason { get; init; }
    [Id(2)] public DateTimeOffset? TrippedAt { get; init; }
    [Id(3)] public DateTimeOffset? ResumeAt { get; init; }
    /// <summary>What LinkedIn answered when it tripped.</summary>
    [Id(4)] public string? Evidence { get; init; }
    /// <summary>How it will clear, in words a user reads.</summary>
    [Id(5)] public string? ClearsBy { get; init; }
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.UsageView")]
public sealed record UsageView(
    [property: Id(0)] int Today, [property: Id(1)] int DailyCap,
    [property: Id(2)] int ThisWeek, [property: Id(3)] int WeeklyCap)
{
    /// <summary>The caps without the warm-up's ramp; equal to the effective ones when none ramps.</summary>
    [Id(4)] public int FullDailyCap { get; init; } = DailyCap;

    [Id(5)] public int FullWeeklyCap { get; init; } = WeeklyCap;
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.AccountView")]
public sealed record AccountView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string WorkspaceId { get; init; }
    [Id(2)] public required AccountStatus Status { get; init; }
    [Id(3)] public required string TimeZone { get; init; }
    [Id(4)] public required IReadOnlyDictionary<ActionType, BreakerView> Breakers { get; init; }
    [Id(5)] public required IReadOnlyDictionary<ActionType, UsageView> Usage { get; init; }
    [Id(6)] public bool Exists { get; init; }
    [Id(7)] public int UnknownIntents { get; init; }
    /// <summary>The warm-up while it still ramps (null before its last day and without one).</summary>
    [Id(8)] public WarmUpView? WarmUp { get; init; }
}

/// <summary>An action reported from outside our dispatch (LinkedIn sync, another system).</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.ExternalEvent")]
public sealed record ExternalEvent
{
    [Id(0)] public required ActionType Action { get; init; }
    [Id(1)] public required EventKind Kind { get; init; }
    [Id(2)] public required DateTimeOffset At { get; init; }
    [Id(3)] public string? ProspectId { get; init; }
    [Id(4)] public string? CampaignId { get; init; }
    [Id(5)] public string? Source { get; init; }
}

/// <summary>What recording an external event did: the campaign an accept or reply was routed to, if any.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.ExternalEventResult")]
public sealed record ExternalEventResult
{
    [Id(0)] public string? CampaignId { get; init; }
    /// <summary>True when the same event had been recorded before: nothing counted twice.</summary>
    [Id(1)] public bool Duplicate { get; init; }
}

/// <summary>
/// One action type on one account, as a campaign's pool sees it: <see cref="Reason"/> None when it can be sent
/// now; otherwise why not and when it can again (<see cref="At"/>; null when only a person can change it).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.SeatAction")]
public sealed record SeatAction
{
    [Id(0)] public Reason Reason { get; init; }
    [Id(1)] public DateTimeOffset? At { get; init; }
    /// <summary>Delivered today (local day) and today's effective daily cap (warm-up applied).</summary>
    [Id(2)] public int Today { get; init; }
    [Id(3)] public int DailyCap { get; init; }
    /// <summary>The open breaker's trip instant, when <see cref="Reason"/> is a breaker's.</summary>
    [Id(4)] public DateTimeOffset? TripId { get; init; }

    /// <summary>The share of today's cap still free (0 to 1).</summary>
    public double Room => DailyCap <= 0 ? 0 : Math.Max(0, DailyCap - Today) / (double)DailyCap;
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.SeatView")]
public sealed record SeatView
{
    [Id(0)] public required string AccountId { get; init; }
    [Id(1)] public bool Exists { get; init; }
    [Id(2)] public AccountStatus Status { get; init; }
    [Id(3)] public required IReadOnlyDictionary<ActionType, SeatAction> Actions { get; init; }
}

/// <summary>One local day of an account: deliveries per action and the effective daily cap that applied.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.HistoryDay")]
public sealed record HistoryDay(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] IReadOnlyDictionary<ActionType, int> Sent,
    [property: Id(2)] IReadOnlyDictionary<ActionType, int> DailyCap);

/// <summary>A breaker trip (<see cref="Tripped"/>) or clear on an account, for the history chart.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.BreakerMark")]
public sealed record BreakerMark([property: Id(0)] DateTimeOffset At, [property: Id(1)] ActionType Action, [property: Id(2)] bool Tripped);

/// <summary>An account's recent days (oldest first) in its own time zone, with its breaker trips and clears.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.AccountHistory")]
public sealed record AccountHistory(
    [property: Id(0)] string TimeZone,
    [property: Id(1)] IReadOnlyList<HistoryDay> Days,
    [property: Id(2)] IReadOnlyList<BreakerMark> Marks);

/// <summary>A campaign's deliveries per UTC day (oldest first) per account.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.PoolHistory")]
public sealed record PoolHistory(
    [property: Id(0)] IReadOnlyList<DateOnly> Days,
    [property: Id(1)] IReadOnlyDictionary<string, IReadOnlyList<int>> SentPerAccount);
