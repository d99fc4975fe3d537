using BenchmarkDotNet.Attributes;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Benchmarks.Micro;

/// <summary>
/// The embedded default's event log under the two reads an account makes: the replay lookup before a
/// send (a miss: a fresh key) and the cap counters' read on activation. The log holds 1,000 accounts'
/// deliveries, so the account read returns Events/1,000 rows. Before commit dabbe45 the lookup walked
/// the whole log under its lock (832 µs at 75,000 events in the cluster run); now it is indexed.
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
