namespace OrleansBreaker.Client.Hosting;

/// <summary>
/// The dashboard's clock (relative times such as "in 6 days", the default time of an event). It honours
/// <c>Clock:Start</c> like every other process (API.md §1): start there and run at real speed. Registered
/// under <see cref="Key"/>, never as the plain <see cref="TimeProvider"/>, so that a simulated or fake
/// clock never reaches the Orleans client's own timers.
/// </summary>
public static class ClientClock
{
    /// <summary>The same key the silo uses for the product clock.</summary>
    public const string Key = "OrleansBreaker.Clock";

    public static TimeProvider FromConfiguration(IConfiguration configuration)
    {
        var text = configuration["Clock:Start"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return TimeProvider.System;
        }
        if (!DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var start))
        {
            throw new InvalidOperationException($"Clock:Start '{text}' is not an ISO-8601 instant; use e.g. Clock__Start=2026-11-30T23:59:00Z.");
        }
        return new OffsetClock(start);
    }

    /// <summary>Starts at a chosen instant and runs at real speed; timers keep real durations.</summary>
    private sealed class OffsetClock(DateTimeOffset start) : TimeProvider
    {
        private readonly TimeSpan _offset = start - System.GetUtcNow();

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _offset;
    }
}
