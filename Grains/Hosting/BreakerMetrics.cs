using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansBreaker.Hosting;

/// <summary>
/// The product's instruments (meter <c>OrleansBreaker</c>), per silo process. OpenTelemetry listens to this
/// meter (Web/Telemetry.cs) and each silo serves it on its own <c>/metrics</c>; nothing here knows about that.
/// Instruments declare no unit: the Prometheus exporter would append one to the name (breaker_trips_total stays as is).
/// </summary>
public static class BreakerMetrics
{
    public const string MeterName = "OrleansBreaker";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Upstream answers by class and action type (tags <c>class</c>, <c>action</c>).</summary>
    public static readonly Counter<long> DispatchOutcomes = Meter.CreateCounter<long>("breaker.dispatch.outcomes", description: "Upstream answers by class and action type");

    /// <summary>Dispatches refused before LinkedIn, by status and reason (tags <c>status</c>, <c>reason</c>, <c>action</c>).</summary>
    public static readonly Counter<long> DispatchRefusals = Meter.CreateCounter<long>("breaker.dispatch.refusals", description: "Dispatches that did not reach LinkedIn, by status and reason");

    public static readonly Counter<long> BreakerTrips = Meter.CreateCounter<long>("breaker.trips", description: "Per-account breaker trips by action type and reason");

    public static readonly Counter<long> BreakerClears = Meter.CreateCounter<long>("breaker.clears", description: "Per-account breaker clears and resumes by action type");

    public static readonly Counter<long> Skips = Meter.CreateCounter<long>("breaker.skips", description: "Skip events recorded by campaigns, by reason");

    /// <summary>Campaign runs that waited for a place because the silo's <see cref="Campaigns.CampaignRunGate"/> was full.</summary>
    public static readonly Counter<long> CampaignRunsWaited = Meter.CreateCounter<long>("breaker.campaign.runs.waited", description: "Campaign runs that waited because the silo's limit of concurrent runs was reached");

    /// <summary>Campaign pools that turned degraded for an action type: at most half their accounts can send it (BRIEF §11).</summary>
    public static readonly Counter<long> PoolDegradations = Meter.CreateCounter<long>("breaker.pool.degradations", description: "Campaign pools that became degraded, by action type");

    /// <summary>Campaign pools degraded now for an action type, among the campaigns active on this silo.</summary>
    public static readonly UpDownCounter<long> PoolsDegraded = Meter.CreateUpDownCounter<long>("breaker.pool.degraded", description: "Campaign pools degraded now (at most half their accounts can send an action), on this silo");

    public static readonly Counter<long> SafetyTrips = Meter.CreateCounter<long>("breaker.safety.trips", description: "Workspace safety-mode trips");

    public static readonly Counter<long> SafetyClears = Meter.CreateCounter<long>("breaker.safety.clears", description: "Workspace safety-mode clears");

    /// <summary>Workspaces whose safety mode is open or half-open, as this silo last saw them.</summary>
    public static readonly UpDownCounter<long> SafetyOpenWorkspaces = Meter.CreateUpDownCounter<long>("breaker.safety.open", description: "Workspaces in safety mode (open or half-open) hosted on this silo");

    public static void Outcome(OutcomeClass outcome, ActionType action) =>
        DispatchOutcomes.Add(1, new TagList { { "class", outcome.ToString() }, { "action", action.ToString() } });

    public static void Refusal(DispatchStatus status, Reason reason, ActionType action) =>
        DispatchRefusals.Add(1, new TagList { { "status", status.ToString() }, { "reason", reason.ToString() }, { "action", action.ToString() } });

    public static void Trip(ActionType action, OutcomeClass reason) =>
        BreakerTrips.Add(1, new TagList { { "action", action.ToString() }, { "reason", reason.ToString() } });

    public static void Clear(ActionType action) => BreakerClears.Add(1, new TagList { { "action", action.ToString() } });

    public static void PoolDegraded(ActionType action, bool degraded)
    {
        var tags = new TagList { { "action", action.ToString() } };
        if (degraded)
        {
            PoolDegradations.Add(1, tags);
        }
        PoolsDegraded.Add(degraded ? 1 : -1, tags);
    }

    /// <summary>A campaign holding degraded pools comes to this silo (+1 each) or leaves it (-1 each).</summary>
    public static void PoolsHeld(IEnumerable<ActionType> degraded, int delta)
    {
        foreach (var action in degraded)
        {
            PoolsDegraded.Add(delta, new TagList { { "action", action.ToString() } });
        }
    }

    public static void Skip(Reason reason) => Skips.Add(1, new TagList { { "reason", reason.ToString() } });
}
