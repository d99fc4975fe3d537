using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using OrleansBreaker.Web;

namespace OrleansBreaker.Silo.Hosting;

/// <summary>
/// What a silo process shows operators on its own HTTP port (<c>Orleans:HttpPort</c>): <c>GET /healthz</c> and
/// <c>GET /metrics</c> (OpenTelemetry's Prometheus exporter, this silo's series), and the OpenTelemetry set-up behind them.
/// </summary>
public static class SiloOperations
{
    /// <summary>
    /// OpenTelemetry for a silo (<see cref="Telemetry.AddBreakerTelemetry"/>, service <c>orleansbreaker-silo</c>). With an OTLP
    /// endpoint, grain calls also carry their trace context (<c>AddActivityPropagation</c>), so a request's trace
    /// goes from the dashboard through every grain it reaches.
    /// </summary>
    public static ISiloBuilder AddBreakerTelemetry(this ISiloBuilder silo, IConfiguration configuration, string instanceId)
    {
        if (Telemetry.OtlpConfigured(configuration))
        {
            silo.AddActivityPropagation();
        }
        silo.Services.AddBreakerTelemetry(configuration, Telemetry.SiloService, instanceId);
        return silo;
    }

    /// <summary><c>GET /healthz</c> (<see cref="SiloHealth"/>) and <c>GET /metrics</c>.</summary>
    public static IEndpointRouteBuilder MapSiloOperations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (ISiloStatusOracle oracle, IHostApplicationLifetime lifetime) =>
        {
            var status = oracle.CurrentStatus;
            var stopping = lifetime.ApplicationStopping.IsCancellationRequested;
            return SiloHealth.IsHealthy(status, stopping)
                ? Results.Ok(new { status = "active", silo = oracle.SiloName, address = oracle.SiloAddress.ToString() })
                : Problems.Unavailable($"Silo {oracle.SiloName} is {(stopping ? "stopping" : status.ToString())}, not active in the cluster.");
        });
        app.MapBreakerMetrics();
        return app;
    }
}

/// <summary>When a silo's <c>/healthz</c> says 200.</summary>
public static class SiloHealth
{
    /// <summary>
    /// Healthy means the silo's own membership oracle says <see cref="SiloStatus.Active"/>: it has joined the
    /// cluster (its row is Active in the membership table, so peers route grain calls and reminders to it) and
    /// has not begun to leave. Joining, ShuttingDown, Stopping and Dead (peers voted it dead; it is about to stop
    /// itself) are 503, and so is any moment after the host was asked to stop, before Orleans changes the status.
    /// The HTTP port opens only once the silo has started and closes first when it stops (the web server is the host's
    /// last service to start and so the first to stop), so before the join and during a graceful stop a probe finds the
    /// port closed, which it counts as a failure too: the 503s are for a silo that runs but is not (or no longer) Active.
    /// </summary>
    public static bool IsHealthy(SiloStatus status, bool stopping) => status == SiloStatus.Active && !stopping;
}
