namespace OrleansBreaker;

/// <summary>State of a workspace's temporary safety mode (BRIEF §6). Names are part of the REST contract.</summary>
public enum SafetyState
{
    Closed = 0,
    Open = 1,
    /// <summary>The cool-down has passed: one single-flight probe dispatch decides.</summary>
    HalfOpen = 2,
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.SafetyView")]
public sealed record SafetyView
{
    [Id(0)] public required SafetyState State { get; init; }
    [Id(1)] public DateTimeOffset? TrippedAt { get; init; }
    [Id(2)] public DateTimeOffset? ResumeAt { get; init; }
    /// <summary>RateLimited/UpstreamError results inside the sliding window.</summary>
    [Id(3)] public int RecentErrors { get; init; }
    /// <summary>Distinct accounts those errors came from.</summary>
    [Id(4)] public int RecentAccounts { get; init; }
    [Id(5)] public int ConsecutiveTrips { get; init; }
    [Id(6)] public required SafetySettings Settings { get; init; }
}

/// <summary>Trip thresholds of one workspace: N errors from M distinct accounts within W.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.SafetySettings")]
public sealed record SafetySettings
{
    public static readonly SafetySettings Default = new();

    [Id(0)] public int Errors { get; init; } = 10;
    [Id(1)] public int DistinctAccounts { get; init; } = 3;
    [Id(2)] public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>One transient upstream failure, reported by the account that met it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansBreaker.SafetyErrorReport")]
public sealed record SafetyErrorReport(
    [property: Id(0)] string AccountId,
    [property: Id(1)] string CampaignId,
    [property: Id(2)] string ProspectId,
    [property: Id(3)] OutcomeClass Outcome,
    [property: Id(4)] DateTimeOffset At);

/// <summary>
/// A workspace's temporary safety mode, keyed by workspace id: its own grain, state, events and
/// recovery, independent of the per-account breakers. Off the per-action dispatch path: accounts
/// read it through a per-silo cache with bounded staleness and call it only to report errors and
/// to take the half-open probe.
/// </summary>
[Alias("OrleansBreaker.ISafetyModeGrain")]
public interface ISafetyModeGrain : IGrainWithStringKey
{
    [Alias("GetView")]
    Task<SafetyView> GetViewAsync();

    [Alias("Configure")]
    Task<SafetyView> ConfigureAsync(SafetySettings settings);

    /// <summary>Records a RateLimited/UpstreamError result; returns the state after it (it may have tripped).</summary>
    [Alias("ReportError")]
    Task<SafetyView> ReportErrorAsync(SafetyErrorReport report);

    /// <summary>In half-open, grants the single probe to the first caller; false for everyone else.</summary>
    [Alias("TryAcquireProbe")]
    Task<bool> TryAcquireProbeAsync(string accountId);

    /// <summary>The probe's outcome: success closes the safety mode, failure re-opens it with a doubled cool-down. Null: no upstream answer (released).</summary>
    [Alias("ReportProbe")]
    Task<SafetyView> ReportProbeAsync(string accountId, bool? succeeded);
}
