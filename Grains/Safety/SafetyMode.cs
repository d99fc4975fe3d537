namespace OrleansBreaker.Safety;

/// <summary>The safety grain's persisted state. The error window is bounded (pruned to the window and capped).</summary>
[GenerateSerializer, Alias("OrleansBreaker.SafetyModeState")]
public sealed record SafetyModeState
{
    [Id(0)] public SafetySettings Settings { get; init; } = SafetySettings.Default;
    /// <summary>Closed or Open; HalfOpen is derived: Open whose cool-down has passed.</summary>
    [Id(1)] public SafetyState Phase { get; init; }
    [Id(2)] public DateTimeOffset? TrippedAt { get; init; }
    [Id(3)] public DateTimeOffset? ResumeAt { get; init; }
    [Id(4)] public int ConsecutiveTrips { get; init; }
    [Id(5)] public DateTimeOffset? LastClearedAt { get; init; }
    [Id(6)] public IReadOnlyList<SafetyErrorReport> Errors { get; init; } = [];
    [Id(7)] public string? ProbeHolder { get; init; }
    [Id(8)] public DateTimeOffset? ProbeLeaseUntil { get; init; }
}

/// <summary>
/// The workspace temporary safety mode of BRIEF §6 as pure transitions: trips on N transient errors
/// from at least M distinct accounts within a sliding window; cools down 15 min, doubling per
/// consecutive trip up to 4 h; then half-open with one single-flight probe.
/// </summary>
public static class SafetyMode
{
    public static readonly TimeSpan BaseCoolDown = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan MaxCoolDown = TimeSpan.FromHours(4);
    /// <summary>A trip this soon after the last clear counts as consecutive (the cool-down keeps doubling).</summary>
    public static readonly TimeSpan ConsecutiveWithin = TimeSpan.FromHours(1);
    /// <summary>A probe that never reports back (its silo died) frees the slot after this long.</summary>
    public static readonly TimeSpan ProbeLease = TimeSpan.FromMinutes(2);
    private const int MaxErrorsKept = 1000;

    public static SafetyState StateAt(SafetyModeState s, DateTimeOffset now) =>
        s.Phase == SafetyState.Open && s.ResumeAt is { } at && now >= at ? SafetyState.HalfOpen : s.Phase;

    public static TimeSpan CoolDown(int consecutiveTrips) =>
        TimeSpan.FromTicks(Math.Min(MaxCoolDown.Ticks, BaseCoolDown.Ticks << Math.Clamp(consecutiveTrips - 1, 0, 20)));

    public static IReadOnlyList<SafetyErrorReport> InWindow(SafetyModeState s, DateTimeOffset now) =>
        [.. s.Errors.Where(e => now - e.At < s.Settings.Window && e.At <= now)];

    /// <summary>Records one error; trips when the window holds enough errors from enough distinct accounts.</summary>
    public static (SafetyModeState State, bool Tripped) RecordError(SafetyModeState s, SafetyErrorReport report, DateTimeOffset now)
    {
        var errors = InWindow(s, now).Append(report).TakeLast(MaxErrorsKept).ToList();
        s = s with { Errors = errors };
        if (s.Phase != SafetyState.Closed)
        {
            return (s, false); // already open: late reports of in-flight sends do not re-trip
        }
        var distinct = errors.Select(e => e.AccountId).Distinct(StringComparer.Ordinal).Count();
        if (errors.Count < s.Settings.Errors || distinct < s.Settings.DistinctAccounts)
        {
            return (s, false);
        }
        var consecutive = s.LastClearedAt is { } cleared && now - cleared < ConsecutiveWithin ? s.ConsecutiveTrips + 1 : 1;
        return (Open(s, now, consecutive), true);
    }

    /// <summary>The half-open probe: granted to one account at a time, until it reports or its lease runs out.</summary>
    public static (SafetyModeState State, bool Granted) TryAcquireProbe(SafetyModeState s, string accountId, DateTimeOffset now)
    {
        if (StateAt(s, now) != SafetyState.HalfOpen)
        {
            return (s, false);
        }
        if (s.ProbeHolder is not null && s.ProbeLeaseUntil is { } until && now < until)
        {
            return (s, false);
        }
        return (s with { ProbeHolder = accountId, ProbeLeaseUntil = now + ProbeLease }, true);
    }

    /// <summary>The probe's outcome: success closes, failure re-opens with a doubled cool-down, null releases the slot.</summary>
    public static SafetyModeState ProbeResult(SafetyModeState s, string accountId, bool? succeeded, DateTimeOffset now)
    {
        if (s.ProbeHolder != accountId || StateAt(s, now) != SafetyState.HalfOpen)
        {
            return s;
        }
        return succeeded switch
        {
            true => s with { Phase = SafetyState.Closed, TrippedAt = null, ResumeAt = null, LastClearedAt = now, Errors = [], ProbeHolder = null, ProbeLeaseUntil = null },
            false => Open(s, now, s.ConsecutiveTrips + 1),
            null => s with { ProbeHolder = null, ProbeLeaseUntil = null },
        };
    }

    public static SafetyView View(SafetyModeState s, DateTimeOffset now)
    {
        var errors = InWindow(s, now);
        return new SafetyView
        {
            State = StateAt(s, now),
            TrippedAt = s.TrippedAt,
            ResumeAt = s.ResumeAt,
            RecentErrors = errors.Count,
            RecentAccounts = errors.Select(e => e.AccountId).Distinct(StringComparer.Ordinal).Count(),
            ConsecutiveTrips = s.ConsecutiveTrips,
            Settings = s.Settings,
        };
    }

    private static SafetyModeState Open(SafetyModeState s, DateTimeOffset now, int consecutive) => s with
    {
        Phase = SafetyState.Open,
        TrippedAt = now,
        ResumeAt = now + CoolDown(consecutive),
        ConsecutiveTrips = consecutive,
        ProbeHolder = null,
        ProbeLeaseUntil = null,
    };
}
