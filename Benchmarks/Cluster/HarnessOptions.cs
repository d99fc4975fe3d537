using System.Globalization;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// What one run of the cluster harness measures and how big. The defaults are the issue's sizes
/// (10,000 accounts, 100,000 idle activations); <c>--quick</c> shrinks everything to seconds.
/// </summary>
public sealed record HarnessOptions
{
    public static readonly IReadOnlyList<string> AllSections = ["dispatch", "memory", "postgres", "safety", "campaigns", "pools", "scale"];

    /// <summary>What runs without <c>--only</c>: everything but <c>scale</c> (BRIEF §10 whole, many minutes on its own).</summary>
    public static readonly IReadOnlyList<string> DefaultSections = ["dispatch", "memory", "postgres", "safety", "campaigns", "pools"];

    public bool Quick { get; init; }

    /// <summary>Accounts dispatched on (memory and PostgreSQL), and tripped for the reset.</summary>
    public int Accounts { get; init; } = 10_000;

    /// <summary>Accounts per workspace: outreach agencies run tens to hundreds of senders per workspace.</summary>
    public int AccountsPerWorkspace { get; init; } = 100;

    /// <summary>Idle configured accounts activated for the memory figure.</summary>
    public int MemoryAccounts { get; init; } = 100_000;

    /// <summary>Calls in flight at once, the same for every figure and its baseline.</summary>
    public int Concurrency { get; init; } = 64;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Safety-mode trips measured (each in a fresh workspace); the figure is the p99 over them.</summary>
    public int SafetyRepetitions { get; init; } = 20;

    /// <summary>Accounts of the workspace dispatching continuously while its safety mode trips.</summary>
    public int SafetyAccounts { get; init; } = 48;

    /// <summary>Real time per 10-second step of the fake clock across the reset spread (compresses 5 min).</summary>
    public TimeSpan ResetStepDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>An existing database carrying the deploy/sql schema; null starts a throwaway PostgreSQL.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Started server only: fsync and synchronous_commit off (the tests' settings) instead of durable defaults.</summary>
    public bool PostgresFast { get; init; }

    /// <summary>Also measure with the event log bypassed, to show what the log costs per call.</summary>
    public bool Breakdown { get; init; } = true;

    public IReadOnlyList<string> Sections { get; init; } = DefaultSections;

    /// <summary>Figures 8 and 10: campaigns, one per account, over this many accounts (null: <see cref="Accounts"/>).</summary>
    public int? Campaigns { get; init; }

    /// <summary>Figure 8: prospects per campaign, enough that no campaign runs dry before the window ends.</summary>
    public int CampaignProspects { get; init; } = 60;

    /// <summary>Figure 9: prospects of the large campaign (the small one has <see cref="SmallCampaign"/>).</summary>
    public int LargeCampaign { get; init; } = 100_000;

    public int SmallCampaign { get; init; } = 100;

    /// <summary>Figure 9: deliveries counted per campaign (at most <see cref="SmallCampaign"/>).</summary>
    public int WalDeliveries { get; init; } = 80;

    /// <summary>Figure 10: how long the idle silo's CPU is read, for the empty cluster and for the idle campaigns each.</summary>
    public TimeSpan IdleWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Figure 11 (section scale): BRIEF §10's sizes.</summary>
    public int ScaleAccounts { get; init; } = 100_000;

    public int ScaleCampaigns { get; init; } = 10_000;

    public int ScaleProspects { get; init; } = 1_000_000;

    /// <summary>Figure 11: the measured window of sustained dispatch (after <see cref="ScaleWarmup"/>).</summary>
    public TimeSpan ScaleDuration { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ScaleWarmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Figure 11: one window per campaign run limit (<c>Dispatch:MaxConcurrentRuns</c>), in this order, on the
    /// same cluster; 0 is no limit (figure 11a). Default: none, then the product's default (figures 11 and 11b).
    /// </summary>
    public IReadOnlyList<int> ScaleRunLimits { get; init; } = [0, new OrleansBreaker.Hosting.DispatchOptions().MaxConcurrentRuns];

    /// <summary>Figure 12 (section pools): the accounts of the pool (at most <see cref="CampaignSettings.MaxPool"/>).</summary>
    public int PoolAccounts { get; init; } = 50;

    /// <summary>Figure 12: the share of the pool's seats whose InMail credits run out mid-run, in percent.</summary>
    public int PoolTripping { get; init; } = 40;

    /// <summary>Figure 12: InMails a tripping seat delivers before LinkedIn answers "Not enough credits".</summary>
    public int PoolCredits { get; init; } = 3;

    /// <summary>Figure 12: prospects of the campaign (and of its welded baseline): more than the pool can send in the window.</summary>
    public int PoolProspects { get; init; } = 2_000;

    /// <summary>Figure 12: how long the pool campaign and its welded baseline each dispatch.</summary>
    public TimeSpan PoolWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Figure 12: the accounts' pacing (<c>Dispatch:MinInterval</c>, no jitter) on its cluster.</summary>
    public TimeSpan PoolInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Figure 12: each seat's InMail daily cap (weekly: five times it).</summary>
    public int PoolCap { get; init; } = 40;

    /// <summary>Figure 13: accounts of each phase (single-account campaigns; campaigns over pools of <see cref="PoolSize"/>).</summary>
    public int PoolDispatchAccounts { get; init; } = 1_000;

    public int PoolSize { get; init; } = 10;

    /// <summary>Figure 13: prospects per account in both phases (a pool campaign holds its accounts' share).</summary>
    public int PoolDispatchProspects { get; init; } = 100;

    /// <summary>Diagnostic only: <c>Dispatch:BatchSize</c> on the pools section's clusters (null: the product's default).</summary>
    public int? PoolBatch { get; init; }

    /// <summary>Diagnostic only: <c>Dispatch:MaxConcurrentRuns</c> on the campaigns section's cluster (null: the product's default).</summary>
    public int? CampaignRuns { get; init; }

    /// <summary>
    /// Profiling only: the reset on the product's own simulation clock (<c>Clock:Start</c>, real speed)
    /// with the simulation profile's 20 s spread instead of a stepped fake clock; skips figures 4a and 4.
    /// </summary>
    public bool ResetLive { get; init; }

    /// <summary>Profiling only: Orleans' <c>ReminderOptions.RefreshReminderListPeriod</c> (default: Orleans').</summary>
    public TimeSpan? ReminderRefresh { get; init; }

    /// <summary>Where the Markdown summary is written.</summary>
    public string? OutputPath { get; init; }

    public bool Runs(string section) => Sections.Contains(section, StringComparer.OrdinalIgnoreCase);

    public const string Usage = """
        cluster [options]
          --quick                  tiny sizes (200 accounts, ~1 s per phase): a smoke run
          --accounts N             accounts dispatched on and reset (default 10000)
          --per-workspace N        accounts per workspace (default 100)
          --memory-accounts N      idle accounts activated for the memory figure (default 100000)
          --concurrency N          calls in flight, the same for every figure and baseline (default 64)
          --duration S             seconds measured per load phase (default 15)
          --warmup S               seconds of warm-up before each (default 3)
          --safety-reps N          safety-mode trips measured (default 20)
          --safety-accounts N      accounts dispatching in the tripping workspace (default 48)
          --reset-step-ms N        real ms per 10 s step of the fake clock over the reset (default 100)
          --pg CONNSTRING          use this database (deploy/sql schema applied) instead of starting PostgreSQL
          --pg-fast                started PostgreSQL without fsync/synchronous_commit (the tests' settings)
          --no-breakdown           skip the event-log-bypassed comparison runs
          --reset-live             profiling: figure 7 on the product's real-speed simulation clock (Clock:Start) with a
                                   20 s spread instead of a stepped fake clock; skips figures 4a and 4
          --reminder-refresh S     profiling: Orleans' reminder list refresh period on the silos (default Orleans')
          --campaigns N            figures 8 and 10: campaigns, one per account (default: --accounts)
          --campaign-prospects N   figure 8: prospects per campaign (default 60)
          --large-campaign N       figure 9: prospects of the large campaign (default 100000; the small one has 100)
          --wal-deliveries N       figure 9: deliveries counted per campaign (default 80)
          --idle S                 figure 10: seconds of idle CPU read, empty cluster and idle campaigns each (default 60)
          --scale-accounts N       figure 11: accounts (default 100000)
          --scale-campaigns N      figure 11: campaigns, one account each (default 10000)
          --scale-prospects N      figure 11: prospects over all campaigns (default 1000000)
          --scale-duration S       figure 11: seconds of sustained dispatch measured (default 60)
          --scale-warmup S         figure 11: seconds of dispatch before the window (default 10)
          --scale-run-limits L     figure 11: one window per campaign run limit, in order, 0 = none (default 0 and the product's, 48)
          --pool-accounts N        figure 12: accounts of the pool (default 50, at most 50)
          --pool-tripping PCT      figure 12: percent of the seats whose InMail credits run out mid-run (default 40)
          --pool-credits N         figure 12: InMails a tripping seat delivers before "Not enough credits" (default 3)
          --pool-prospects N       figure 12: prospects of the campaign and of its welded baseline (default 2000)
          --pool-window S          figure 12: seconds each campaign dispatches (default 60)
          --pool-interval S        figure 12: the accounts' pacing, Dispatch:MinInterval without jitter (default 1)
          --pool-cap N             figure 12: each seat's InMail daily cap (default 40)
          --pool-dispatch-accounts N  figure 13: accounts of each phase, single-account and pooled (default 1000)
          --pool-size N            figure 13: accounts per pool (default 10)
          --pool-dispatch-prospects N figure 13: prospects per account (default 100)
          --pool-batch N           diagnostic: Dispatch:BatchSize on the pools section's clusters (default the product's, 10)
          --campaign-runs N        diagnostic: Dispatch:MaxConcurrentRuns on the campaigns section's cluster (default the product's, 48)
          --only a,b               sections: dispatch (1-3), memory (5), postgres (4, 7), safety (6), campaigns (8-10),
                                   pools (12, 13); scale (11) runs only when named
          --out PATH               Markdown summary file (default artifacts/benchmarks/cluster-summary.md)
        """;

    public static HarnessOptions Parse(IReadOnlyList<string> args)
    {
        var quick = args.Contains("--quick");
        var o = quick
            ? new HarnessOptions
            {
                Quick = true, Accounts = 200, MemoryAccounts = 200, Concurrency = 16, SafetyRepetitions = 2, SafetyAccounts = 12,
                Warmup = TimeSpan.FromSeconds(0.3), Duration = TimeSpan.FromSeconds(1), ResetStepDelay = TimeSpan.FromMilliseconds(20),
                CampaignProspects = 50, LargeCampaign = 1_000, WalDeliveries = 30, IdleWindow = TimeSpan.FromSeconds(10),
                ScaleAccounts = 1_000, ScaleCampaigns = 100, ScaleProspects = 10_000, ScaleDuration = TimeSpan.FromSeconds(5), ScaleWarmup = TimeSpan.FromSeconds(2),
                PoolAccounts = 10, PoolProspects = 300, PoolWindow = TimeSpan.FromSeconds(5), PoolDispatchAccounts = 100, PoolDispatchProspects = 30,
            }
            : new HarnessOptions();

        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            TimeSpan Seconds() => TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
            o = args[i] switch
            {
                "--quick" => o,
                "--accounts" => o with { Accounts = Int() },
                "--per-workspace" => o with { AccountsPerWorkspace = Int() },
                "--memory-accounts" => o with { MemoryAccounts = Int() },
                "--concurrency" => o with { Concurrency = Int() },
                "--duration" => o with { Duration = Seconds() },
                "--warmup" => o with { Warmup = Seconds() },
                "--safety-reps" => o with { SafetyRepetitions = Int() },
                "--safety-accounts" => o with { SafetyAccounts = Int() },
                "--reset-step-ms" => o with { ResetStepDelay = TimeSpan.FromMilliseconds(Int()) },
                "--pg" => o with { PostgresConnectionString = Next() },
                "--pg-fast" => o with { PostgresFast = true },
                "--no-breakdown" => o with { Breakdown = false },
                "--reset-live" => o with { ResetLive = true },
                "--reminder-refresh" => o with { ReminderRefresh = Seconds() },
                "--campaigns" => o with { Campaigns = Int() },
                "--campaign-prospects" => o with { CampaignProspects = Int() },
                "--large-campaign" => o with { LargeCampaign = Int() },
                "--wal-deliveries" => o with { WalDeliveries = Int() },
                "--idle" => o with { IdleWindow = Seconds() },
                "--scale-accounts" => o with { ScaleAccounts = Int() },
                "--scale-campaigns" => o with { ScaleCampaigns = Int() },
                "--scale-prospects" => o with { ScaleProspects = Int() },
                "--scale-duration" => o with { ScaleDuration = Seconds() },
                "--scale-warmup" => o with { ScaleWarmup = Seconds() },
                "--scale-run-limits" => o with { ScaleRunLimits = [.. Next().Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                "--pool-accounts" => o with { PoolAccounts = Int() },
                "--pool-tripping" => o with { PoolTripping = Int() },
                "--pool-credits" => o with { PoolCredits = Int() },
                "--pool-prospects" => o with { PoolProspects = Int() },
                "--pool-window" => o with { PoolWindow = Seconds() },
                "--pool-interval" => o with { PoolInterval = Seconds() },
                "--pool-cap" => o with { PoolCap = Int() },
                "--pool-dispatch-accounts" => o with { PoolDispatchAccounts = Int() },
                "--pool-size" => o with { PoolSize = Int() },
                "--pool-dispatch-prospects" => o with { PoolDispatchProspects = Int() },
                "--pool-batch" => o with { PoolBatch = Int() },
                "--campaign-runs" => o with { CampaignRuns = Int() },
                "--only" => o with { Sections = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--out" => o with { OutputPath = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }
        if (o.Accounts < 1 || o.MemoryAccounts < 1 || o.Concurrency < 1 || o.AccountsPerWorkspace < 1 || o.SafetyRepetitions < 1 || o.SafetyAccounts < 4)
        {
            throw new ArgumentException($"Sizes must be positive (and --safety-accounts at least 4).\n{Usage}");
        }
        if (o.Campaigns < 1 || o.CampaignProspects < 1 || o.LargeCampaign < o.SmallCampaign || o.WalDeliveries < 1 || o.WalDeliveries > o.SmallCampaign || o.IdleWindow <= TimeSpan.Zero
            || o.ScaleCampaigns < 1 || o.ScaleAccounts < o.ScaleCampaigns || o.ScaleProspects < o.ScaleCampaigns || o.ScaleDuration <= TimeSpan.Zero
            || o.ScaleRunLimits.Count == 0 || o.ScaleRunLimits.Any(l => l < 0))
        {
            throw new ArgumentException($"Campaign sizes must be positive, --large-campaign at least {o.SmallCampaign}, --wal-deliveries at most {o.SmallCampaign}, " +
                $"--scale-accounts at least --scale-campaigns and --scale-prospects at least one per campaign.\n{Usage}");
        }
        if (o.PoolAccounts is < 2 or > CampaignSettings.MaxPool || o.PoolTripping is < 0 or > 100 || o.PoolCredits < 0 || o.PoolProspects < 1
            || o.PoolWindow <= TimeSpan.Zero || o.PoolInterval < TimeSpan.Zero || o.PoolCap < 1
            || o.PoolSize is < 2 or > CampaignSettings.MaxPool || o.PoolDispatchAccounts < o.PoolSize || o.PoolDispatchProspects < 1 || o.PoolBatch is < 1 or > 1000)
        {
            throw new ArgumentException($"Pool sizes: --pool-accounts and --pool-size 2 to {CampaignSettings.MaxPool}, --pool-tripping 0 to 100, " +
                $"--pool-dispatch-accounts at least --pool-size, the others positive.\n{Usage}");
        }
        if (o.CampaignRuns is < 1 or > 100_000)
        {
            // the range of Dispatch:MaxConcurrentRuns
            throw new ArgumentException($"--campaign-runs: 1 to 100000 (Dispatch:MaxConcurrentRuns), not {o.CampaignRuns}.\n{Usage}");
        }
        var unknown = o.Sections.Except(AllSections, StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown section(s) {string.Join(", ", unknown)}; use {string.Join(", ", AllSections)}.");
        }
        return o;
    }
}
