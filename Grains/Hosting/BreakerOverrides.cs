using OrleansBreaker.Campaigns;
using OrleansBreaker.EventLog;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Hosting;

/// <summary>
/// What a test or the benchmark harness puts in place of the product's own parts when it builds a silo. Each
/// one given replaces the part configuration would choose; nothing given, the silo is the product's.
/// </summary>
public sealed record BreakerOverrides
{
    /// <summary>The product's clock (grains and reminders), instead of the system's or <c>Clock:Start</c>'s.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>The in-process simulated LinkedIn, instead of a new one on the product's clock; the upstream too, unless <see cref="Upstream"/> is given.</summary>
    public SimulatedLinkedIn? LinkedIn { get; init; }

    /// <summary>The path to LinkedIn, instead of the one <c>Upstream:Provider</c> chooses.</summary>
    public Func<IServiceProvider, ILinkedInUpstream>? Upstream { get; init; }

    /// <summary>The event log, instead of the one <c>Storage:Provider</c> chooses.</summary>
    public IEventLog? EventLog { get; init; }

    /// <summary>The prospect store, instead of the one <c>Storage:Provider</c> chooses.</summary>
    public IProspectStore? Prospects { get; init; }
}
