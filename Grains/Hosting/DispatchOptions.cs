using System.ComponentModel.DataAnnotations;

namespace OrleansBreaker.Hosting;

/// <summary>
/// Pacing and dispatch-loop settings (configuration section <c>Dispatch</c>). The defaults are the
/// simulation's: fast and 24/7. Production sets a human-like <see cref="MinInterval"/> (tens of seconds).
/// </summary>
public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    /// <summary>Minimum time between two sends on one account. Default 0 (simulation).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MinInterval { get; set; } = TimeSpan.Zero;

    /// <summary>Random extra delay added to <see cref="MinInterval"/>, up to this much. Default 0.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxJitter { get; set; } = TimeSpan.Zero;

    /// <summary>How long one upstream call may take before its outcome counts as unknown. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// While a campaign is awake (work due within two minutes), how often it looks for due prospects at
    /// most, and the pause after a run that sent something. Default 1 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan CampaignTick { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many dispatches per campaign tick, so one campaign cannot hog its account. Default 10.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 10;

    /// <summary>
    /// Resumes after a monthly reset are staggered per account over this window (deterministic
    /// jitter), so the cluster and LinkedIn do not see every tripped account at once. Default and
    /// maximum 5 minutes (BRIEF §4); a demo may shorten it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan ResetSpread { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Default working hours of every account, in the account's own time zone (accounts may override).
    /// Null (the simulation default): 24/7. Production sets e.g. 08:00-19:00 Monday to Friday.
    /// </summary>
    public WorkingHours? WorkingHours { get; set; }

    /// <summary>At most this many upstream calls in flight per silo (a backstop; each account sends one at a time). Default 256.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrentSends { get; set; } = 256;

    /// <summary>
    /// At most this many campaign runs dispatch at once per silo (<see cref="Campaigns.CampaignRunGate"/>);
    /// a campaign whose turn comes while they are all taken waits for a place, in order. It keeps the
    /// silo's database pool from queueing behind dispatch, so the API's writes stay fast at full load.
    /// A run spends part of its time off the database (the upstream call, grain hops), so about twice
    /// the pool size (<c>Storage:MaxPoolSize</c>, 20) keeps the database busy; measured in
    /// docs/benchmarks.md, figures 8 and 11. Default 48.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRuns { get; set; } = 48;

    /// <summary>
    /// How often the cluster's one outcome feed reader reads the provider-wide feed of accepts and
    /// replies (one provider call per interval for the whole cluster, not one per account). Default 1 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan OutcomeFeedInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often each silo reads the campaigns' due index and wakes the campaigns whose work is due (or whose
    /// silo died). Default 10 s: a campaign with nothing due soon is woken at most this late.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan WakePollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether campaigns dispatch by themselves on a timer. Tests switch it off and call RunDue.</summary>
    public bool AutoDispatch { get; set; } = true;
}
