using Microsoft.Extensions.Configuration;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// The pacing the silos of this run use, read as they read it (the silo's content root is its binary
/// folder: appsettings.json, then appsettings.{environment}.json, then environment variables), so the
/// ceiling follows the simulation profile instead of a number copied from it.
/// </summary>
public sealed record Pacing(TimeSpan MinInterval, TimeSpan MaxJitter, TimeSpan CampaignTick, int BatchSize, string Environment, string Source)
{
    /// <summary>One send per account per MinInterval plus a jitter drawn uniformly from 0 to MaxJitter (AccountGrain).</summary>
    public TimeSpan MeanInterval => MinInterval + MaxJitter / 2;

    /// <summary>Deliveries/s the run could reach if every account sent as soon as its pacing allows; null when pacing is off.</summary>
    public double? CeilingPerSecond(int accounts) => MeanInterval > TimeSpan.Zero ? accounts / MeanInterval.TotalSeconds : null;

    public string Brief => $"MinInterval {MinInterval.TotalSeconds:0.###} s + MaxJitter {MaxJitter.TotalSeconds:0.###} s (mean {MeanInterval.TotalSeconds:0.###} s per send per account), " +
                           $"CampaignTick {CampaignTick.TotalSeconds:0.###} s, BatchSize {BatchSize} ({Environment}, {Source})";

    public static Pacing Read(string repoRoot)
    {
        // run.sh's default profile, unless the caller's environment names another, as run.sh does.
        var environment = System.Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } e ? e : "Development";
        var bin = Path.Combine(repoRoot, "Silo", "bin", "Release", "net10.0");
        if (!File.Exists(Path.Combine(bin, "appsettings.json")))
        {
            throw new InvalidOperationException($"No {Path.Combine(bin, "appsettings.json")}: run.sh builds the silo there first.");
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(bin, "appsettings.json"), optional: false)
            .AddJsonFile(Path.Combine(bin, $"appsettings.{environment}.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        var o = configuration.GetSection(DispatchOptions.Section).Get<DispatchOptions>() ?? new DispatchOptions();
        return new Pacing(o.MinInterval, o.MaxJitter, o.CampaignTick, o.BatchSize, environment,
            $"Silo/bin/Release/net10.0/appsettings.{environment}.json over appsettings.json and the environment");
    }
}
