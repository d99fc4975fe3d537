using System.Globalization;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// What one run of the cluster harness measures and how big. The defaults are the issue's sizes
/// (10,000 accounts, 100,000 idle activations); <c>--quick</c> shrinks everything to seconds.
/// </summary>
public sealed record HarnessOptions
{
    public static readonly IReadOnlyList<string> AllSections = ["dispatch", "memory", "postgres", "safety"];

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

    public IReadOnlyList<string> Sections { get; init; } = AllSections;

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
          --only a,b               sections: dispatch (1-3), memory (5), postgres (4, 7), safety (6)
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
                "--only" => o with { Sections = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--out" => o with { OutputPath = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }
        if (o.Accounts < 1 || o.MemoryAccounts < 1 || o.Concurrency < 1 || o.AccountsPerWorkspace < 1 || o.SafetyRepetitions < 1 || o.SafetyAccounts < 4)
        {
            throw new ArgumentException($"Sizes must be positive (and --safety-accounts at least 4).\n{Usage}");
        }
        var unknown = o.Sections.Except(AllSections, StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown section(s) {string.Join(", ", unknown)}; use {string.Join(", ", AllSections)}.");
        }
        return o;
    }
}
