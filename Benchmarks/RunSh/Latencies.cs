using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>The latency of every write of one kind, and how many failed (anything but a 2xx, or no answer).</summary>
public sealed class Latencies(string name)
{
    private readonly ConcurrentBag<long> _ticks = [];
    private readonly ConcurrentQueue<string> _failures = new();
    private long _failed;

    public string Name => name;

    public int Count => _ticks.Count;

    public long Failed => Interlocked.Read(ref _failed);

    public IEnumerable<string> FailureSamples => _failures;

    public void Record(long elapsedTicks, string? failure)
    {
        _ticks.Add(elapsedTicks);
        if (failure is not null)
        {
            Interlocked.Increment(ref _failed);
            if (_failures.Count < 5)
            {
                _failures.Enqueue(failure);
            }
        }
    }

    public Stats Take()
    {
        var sorted = _ticks.Order().ToArray();
        return new Stats(name, sorted.Length, Failed, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length == 0 ? 0 : Ms(sorted[^1]));
    }

    private static double Percentile(long[] sorted, double p) => sorted.Length == 0 ? 0 : Ms(sorted[(int)Math.Round(p * (sorted.Length - 1))]);

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public sealed record Stats(string Name, int Count, long Failed, double P50Ms, double P99Ms, double MaxMs)
    {
        public string Brief => Count == 0 ? "none" : $"p50 {P50Ms:#,0.0} ms · p99 {P99Ms:#,0.0} ms · max {MaxMs:#,0} ms ({Count:#,0} writes{(Failed > 0 ? $", {Failed:#,0} failed" : "")})";
    }
}
