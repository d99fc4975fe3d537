using System.Diagnostics;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>One closed-loop load phase: how many calls completed in the measured window, how long they took, what they answered.</summary>
internal sealed record LoadResult(string Name, int Concurrency, TimeSpan Window, long Operations, long TotalOperations, double P50Ms, double P99Ms, double MaxMs,
    IReadOnlyDictionary<string, long> Outcomes, long Errors, string? FirstError)
{
    /// <summary>CPU over the measured window: this process, the harness's PostgreSQL, everything else.</summary>
    public CpuMeter.Usage? Cpu { get; init; }

    public double PerSecond => Window.TotalSeconds > 0 ? Operations / Window.TotalSeconds : 0;

    public string Brief => $"{PerSecond:#,0}/s · p50 {P50Ms:0.00} ms · p99 {P99Ms:0.00} ms";

    public string OutcomeText => string.Join(", ", Outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value:#,0}"))
        + (Errors > 0 ? $"; {Errors:#,0} errors (first: {FirstError})" : "");
}

internal static class Load
{
    private static readonly CpuMeter DefaultCpu = new();

    /// <summary>
    /// <paramref name="concurrency"/> workers call <paramref name="operation"/> back to back with a
    /// running index (unique per call). Calls that start after the warm-up and end within the window
    /// count; the label each call returns is tallied (e.g. the dispatch status).
    /// </summary>
    public static async Task<LoadResult> RunAsync(string name, int concurrency, TimeSpan warmup, TimeSpan duration,
        Func<long, Task<string>> operation, Reporter reporter, CpuMeter? cpu = null)
    {
        long next = -1;
        long measureFrom = long.MaxValue;
        long measureUntil = long.MaxValue;
        var stop = 0;
        var workers = new Worker[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            workers[w] = new Worker();
        }

        async Task RunWorker(Worker worker)
        {
            await Task.Yield();
            while (Volatile.Read(ref stop) == 0)
            {
                var i = Interlocked.Increment(ref next);
                var start = Stopwatch.GetTimestamp();
                string label;
                try
                {
                    label = await operation(i);
                }
                catch (Exception ex)
                {
                    label = "";
                    worker.Errors++;
                    worker.FirstError ??= $"{ex.GetType().Name}: {ex.Message}";
                }
                var end = Stopwatch.GetTimestamp();
                worker.Total++;
                if (start >= Volatile.Read(ref measureFrom) && end <= Volatile.Read(ref measureUntil) && label.Length > 0)
                {
                    worker.Latencies.Add(end - start);
                    worker.Outcomes[label] = worker.Outcomes.GetValueOrDefault(label) + 1;
                }
            }
        }

        var began = Stopwatch.GetTimestamp();
        var tasks = workers.Select(w => Task.Run(() => RunWorker(w))).ToArray();
        reporter.Line($"{name}: {concurrency} in flight, {warmup.TotalSeconds:0.#} s warm-up + {duration.TotalSeconds:0.#} s measured");

        await Task.Delay(warmup);
        var cpuFrom = (cpu ?? DefaultCpu).Take();
        var from = Stopwatch.GetTimestamp();
        var until = from + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        Volatile.Write(ref measureUntil, until);
        Volatile.Write(ref measureFrom, from);
        var lastCount = Interlocked.Read(ref next);
        var lastAt = from;
        while (Stopwatch.GetTimestamp() < until)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            await Task.Delay(remaining < TimeSpan.FromSeconds(2) ? remaining : TimeSpan.FromSeconds(2));
            var now = Stopwatch.GetTimestamp();
            var count = Interlocked.Read(ref next);
            var rate = (count - lastCount) / Stopwatch.GetElapsedTime(lastAt, now).TotalSeconds;
            reporter.Line($"  {name}: {Stopwatch.GetElapsedTime(from, now).TotalSeconds,5:0.0} s, {rate,10:#,0} calls/s");
            (lastCount, lastAt) = (count, now);
        }
        var cpuUsage = (cpu ?? DefaultCpu).Take().Minus(cpuFrom);
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(tasks);

        var latencies = workers.SelectMany(w => w.Latencies).ToArray();
        Array.Sort(latencies);
        var outcomes = workers.SelectMany(w => w.Outcomes).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.Sum(o => o.Value));
        var result = new LoadResult(name, concurrency, TimeSpan.FromSeconds((until - from) / (double)Stopwatch.Frequency), latencies.Length,
            workers.Sum(w => w.Total), Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.Length == 0 ? 0 : Ms(latencies[^1]),
            outcomes, workers.Sum(w => w.Errors), workers.Select(w => w.FirstError).FirstOrDefault(e => e is not null)) { Cpu = cpuUsage };
        reporter.Line($"  {name}: {result.Brief} ({result.OutcomeText}); CPU cores own/PG/other {cpuUsage.Text}; {Stopwatch.GetElapsedTime(began).TotalSeconds:0.0} s in all");
        return result;
    }

    /// <summary>Runs <paramref name="operation"/> once for each index below <paramref name="count"/>, <paramref name="concurrency"/> at a time.</summary>
    public static async Task<BulkResult> ForEachAsync(string name, int count, int concurrency, Func<int, Task> operation, Reporter reporter)
    {
        var next = -1;
        var done = 0;
        long errors = 0;
        string? firstError = null;
        var began = Stopwatch.GetTimestamp();

        async Task RunWorker()
        {
            await Task.Yield();
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    await operation(i);
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{ex.GetType().Name}: {ex.Message}", null);
                }
                Interlocked.Increment(ref done);
            }
        }

        var all = Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(RunWorker)));
        while (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))) != all)
        {
            var seconds = Stopwatch.GetElapsedTime(began).TotalSeconds;
            reporter.Line($"  {name}: {Volatile.Read(ref done):#,0}/{count:#,0} ({Volatile.Read(ref done) / seconds:#,0}/s)");
        }
        await all;
        var result = new BulkResult(name, count, Stopwatch.GetElapsedTime(began), errors, firstError);
        reporter.Line($"  {name}: {count:#,0} in {result.Elapsed.TotalSeconds:0.0} s ({result.PerSecond:#,0}/s){(errors > 0 ? $", {errors:#,0} errors (first: {firstError})" : "")}");
        return result;
    }

    private static double Percentile(long[] sorted, double p) => sorted.Length == 0 ? 0 : Ms(sorted[(int)Math.Round(p * (sorted.Length - 1))]);

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private sealed class Worker
    {
        public readonly List<long> Latencies = new(1 << 14);
        public readonly Dictionary<string, long> Outcomes = new(StringComparer.Ordinal);
        public long Total;
        public long Errors;
        public string? FirstError;
    }
}

internal sealed record BulkResult(string Name, int Count, TimeSpan Elapsed, long Errors, string? FirstError)
{
    public double PerSecond => Elapsed.TotalSeconds > 0 ? Count / Elapsed.TotalSeconds : 0;
}

/// <summary>Progress lines with the time since the run began.</summary>
public sealed class Reporter(TextWriter output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    public void Line(string text)
    {
        lock (_gate)
        {
            output.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {text}");
            output.Flush();
        }
    }
}
