using System.Globalization;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// What one run of the <c>runsh</c> load tool does and how big: figure 5 of issue 11, the load users see
/// through <c>./run.sh --postgres</c>. The defaults are the sizes (2,000 accounts × one
/// ViewProfile campaign of 60 prospects); <c>--quick</c> is a smoke run whose numbers mean nothing.
/// </summary>
public sealed record RunShOptions
{
    public bool Quick { get; init; }

    public int Silos { get; init; } = 1;

    public int Accounts { get; init; } = 2_000;

    /// <summary>Prospects per campaign (one campaign per account).</summary>
    public int Prospects { get; init; } = 60;

    /// <summary>Concurrent API clients during setup, as in the hand measurement.</summary>
    public int Clients { get; init; } = 8;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Writes per second of each kind (account PUT, campaign PUT, prospects POST) during the window.</summary>
    public double ProbeRate { get; init; } = 2;

    /// <summary>Where the Markdown summary is written; run.sh's output and PostgreSQL's log land beside it.</summary>
    public string? OutputPath { get; init; }

    public const string Usage = """
        runsh [options]     ./run.sh --postgres under figure 5's load (issue 11), through the REST API
          --quick                  smoke sizes (100 accounts, 5 s warm-up, 10 s window): the figures mean nothing
          --silos N                run.sh --silos N (default 1)
          --accounts N             accounts, one ViewProfile campaign each (default 2000)
          --prospects N            prospects per campaign (default 60)
          --clients N              concurrent API clients during setup (default 8)
          --warmup S               seconds of dispatch before the window (default 15)
          --window S               seconds measured (default 60)
          --probe-rate R           writes/s of each kind during the window (default 2)
          --out PATH               Markdown summary (default artifacts/benchmarks/runsh-summary.md)
        """;

    public static RunShOptions Parse(IReadOnlyList<string> args)
    {
        var o = args.Contains("--quick")
            ? new RunShOptions { Quick = true, Accounts = 100, Warmup = TimeSpan.FromSeconds(5), Window = TimeSpan.FromSeconds(10) }
            : new RunShOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int Int()
            {
                var text = Next();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    ? n : throw new ArgumentException($"{args[i - 1]} takes a whole number, got '{text}'.\n{Usage}");
            }
            double Number()
            {
                var text = Next();
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                    ? n : throw new ArgumentException($"{args[i - 1]} takes a number, got '{text}'.\n{Usage}");
            }
            o = args[i] switch
            {
                "--quick" => o,
                "--silos" => o with { Silos = Int() },
                "--accounts" => o with { Accounts = Int() },
                "--prospects" => o with { Prospects = Int() },
                "--clients" => o with { Clients = Int() },
                "--warmup" => o with { Warmup = TimeSpan.FromSeconds(Number()) },
                "--window" => o with { Window = TimeSpan.FromSeconds(Number()) },
                "--probe-rate" => o with { ProbeRate = Number() },
                "--out" => o with { OutputPath = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }
        if (o.Silos is < 1 or > 99)
        {
            throw new ArgumentException($"--silos takes 1 to 99 (run.sh's range).\n{Usage}");
        }
        if (o.Accounts < 1 || o.Prospects < 1 || o.Clients < 1 || o.Window <= TimeSpan.Zero || o.Warmup < TimeSpan.Zero || o.ProbeRate <= 0)
        {
            throw new ArgumentException($"Sizes, the window and the probe rate must be positive.\n{Usage}");
        }
        if (o.Prospects > 10_000)
        {
            // One POST per campaign; the API takes at most 10,000 prospects per request.
            throw new ArgumentException($"--prospects takes at most 10000 (one request per campaign).\n{Usage}");
        }
        return o;
    }
}
