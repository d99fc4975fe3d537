using BenchmarkDotNet.Attributes;
using OrleansBreaker.Accounts;

namespace OrleansBreaker.Benchmarks.Micro;

/// <summary>The breaker's decision on every dispatch, and its trip on a refusal.</summary>
[MemoryDiagnoser]
public class BreakerBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly BreakerRecord Closed = BreakerRecord.Closed;
    private static readonly BreakerRecord Open = Breaker.Trip(BreakerRecord.Closed, ActionType.InMail, OutcomeClass.CreditsExhausted, Now, Paris, 1, "NOT_ENOUGH_CREDITS");

    [Benchmark(Baseline = true)]
    public BreakerDecision DecideClosed() => Breaker.Decide(Closed);

    [Benchmark]
    public BreakerDecision DecideOpen() => Breaker.Decide(Open);

    [Benchmark]
    public bool ResumeDueOpen() => Breaker.ResumeDue(Open, Now);

    [Benchmark]
    public BreakerRecord TripInMailCredits() =>
        Breaker.Trip(Closed, ActionType.InMail, OutcomeClass.CreditsExhausted, Now, Paris, 1, "NOT_ENOUGH_CREDITS");

    [Benchmark]
    public BreakerRecord TripMessageLimit() =>
        Breaker.Trip(Closed, ActionType.Message, OutcomeClass.ActionLimitReached, Now, Paris, 1, "ACTION_LIMIT_REACHED");
}
