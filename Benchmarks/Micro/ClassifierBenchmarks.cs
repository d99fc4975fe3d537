using BenchmarkDotNet.Attributes;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Benchmarks.Micro;

/// <summary><see cref="UpstreamClassifier.Classify"/> on the three shapes of answer it meets: a delivery, a refusal, garbage.</summary>
[MemoryDiagnoser]
public class ClassifierBenchmarks
{
    private static readonly UpstreamAnswer Delivered = new(200, """{"result":"delivered","actionId":"4f6c2d8e9b1a4c3d8e7f6a5b4c3d2e1f"}""");
    private static readonly UpstreamAnswer CreditsRefusal = new(402, """{"error":"NOT_ENOUGH_CREDITS","message":"Not enough credits"}""");
    private static readonly UpstreamAnswer Garbage = new(200, "<html>upstream proxy says hi</html>");

    [Benchmark(Baseline = true)]
    public UpstreamVerdict DeliveredBody() => UpstreamClassifier.Classify(ActionType.InMail, Delivered);

    [Benchmark]
    public UpstreamVerdict RefusalBody() => UpstreamClassifier.Classify(ActionType.InMail, CreditsRefusal);

    [Benchmark]
    public UpstreamVerdict GarbageBody() => UpstreamClassifier.Classify(ActionType.InMail, Garbage);
}
