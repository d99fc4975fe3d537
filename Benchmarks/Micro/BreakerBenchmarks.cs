using BenchmarkDotNet.Attributes;
using OrleansBreaker.Accounts;

namespace OrleansBreaker.Benchmarks.Micro;

/// <summary>The breaker's decision on every dispatch, and its trip on a refusal.</summary>
[MemoryDiagnoser]
public class BreakerBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    // Instance fields, not static readonly: the JIT would fold a decision on a constant record away.
    private BreakerRecord _closed = BreakerRecord.Closed;
    private BreakerRecord _open = BreakerRecord.Closed;

    [GlobalSetup]
    public void Setup()
    {
        _closed = BreakerRecord.Closed with { };
        _open = Breaker.Trip(_closed, ActionType.InMail, OutcomeClass.CreditsExhausted, Now, Paris, 1, "NOT_ENOUGH_CREDITS");
    }

    [Benchmark(Baseline = true)]
    public BreakerDecision DecideClosed() => Breaker.Decide(_closed);

    [Benchmark]
    public BreakerDecision DecideOpen() => Breaker.Decide(_open);

    [Benchmark]
    public bool ResumeDueOpen() => Breaker.ResumeDue(_open, Now);

    [Benchmark]
    public BreakerRecord TripInMailCredits() =>
        Breaker.Trip(_closed, ActionType.InMail, OutcomeClass.CreditsExhausted, Now, Paris, 1, "NOT_ENOUGH_CREDITS");

    [Benchmark]
    public BreakerRecord TripMessageLimit() =>
        Breaker.Trip(_closed, ActionType.Message, OutcomeClass.ActionLimitReached, Now, Paris, 1, "ACTION_LIMIT_REACHED");
}
