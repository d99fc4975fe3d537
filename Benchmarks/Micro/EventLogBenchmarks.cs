using BenchmarkDotNet.Attributes;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Benchmarks.Micro;

/// <summary>
/// The in-memory event log's replay lookup, which every dispatch and every skip makes for a key it has
/// not seen (the embedded default's log): a miss walks the whole log under its lock. Sizes: a short
/// demo, a busy hour of one silo, a busy day.
/// </summary>
[MemoryDiagnoser]
public class EventLogBenchmarks
{
    private InMemoryEventLog _log = new();

    [Params(1_000, 100_000, 1_000_000)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _log = new InMemoryEventLog();
        var at = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
        var batch = Enumerable.Range(0, Events).Select(i => new EventRecord
        {
            At = at, Kind = EventKind.Sent, WorkspaceId = $"w{i % 1000 / 100}", AccountId = $"a{i % 1000}", CampaignId = "c", ProspectId = $"p{i}",
            Action = ActionType.Message, Key = $"c/p{i}/1", Text = "Sent: Message",
        }).ToList();
        _log.AppendAsync(batch).GetAwaiter().GetResult();
    }

    [Benchmark]
    public EventRecord? FindByKeyMiss() => _log.FindByKeyAsync("w1", "a100", "c/unseen/1").GetAwaiter().GetResult();

    [Benchmark]
    public int ReadDeliveredOfOneAccount() =>
        _log.ReadDeliveredSinceAsync("w1", "a100", new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)).GetAwaiter().GetResult().Count;
}
