namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>Everything one runsh run measured, filled in as it goes (a failed run keeps what it got).</summary>
public sealed class RunShResult
{
    public required RunShOptions Options { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public string Commit { get; init; } = "unknown";

    public required string RunLog { get; init; }

    public required string PgLog { get; init; }

    public double StartSeconds { get; set; }

    public Pacing? Pacing { get; set; }

    public List<SetupPhase> Setup { get; } = [];

    public IReadOnlyList<string> SetupFailures { get; set; } = [];

    public SimTotals? WindowBefore { get; set; }

    public SimTotals? WindowAfter { get; set; }

    public SimTotals? Final { get; set; }

    public IReadOnlyList<Latencies.Stats> Probes { get; set; } = [];

    public IReadOnlyList<string> ProbeFailures { get; set; } = [];

    public IReadOnlyList<Sampler.Sample> Timeline { get; set; } = [];

    public int? MaxConnections { get; set; }

    /// <summary>Connections of the tool's own sampler that PostgreSQL refused (taken off the server log's count).</summary>
    public int SamplerRefusals { get; set; }

    public IReadOnlyDictionary<string, double> Cpu { get; set; } = new Dictionary<string, double>();

    public long SiloResidentBytes { get; set; }

    public int DrainedCampaigns { get; set; }

    public LogScan? Refusals { get; set; }

    public bool StoppedCleanly { get; set; }

    public double StopSeconds { get; set; }

    public double Seconds { get; set; }

    public double? DeliveriesPerSecond => WindowBefore is { } b && WindowAfter is { } a ? a.DeliveriesPerSecondSince(b) : null;

    public double? Ceiling => Pacing?.CeilingPerSecond(Options.Accounts);
}
