namespace OrleansBreaker.Hosting;

/// <summary>
/// A clock that starts at a chosen instant and runs at real speed (<c>Clock:Start</c>), so a demo can
/// begin a minute before the end of a month and watch the reset happen. Timers keep real durations.
/// </summary>
public sealed class SimulationTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly TimeSpan _offset = start - TimeProvider.System.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + _offset;
}
