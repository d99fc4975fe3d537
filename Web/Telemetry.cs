using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrleansBreaker.Web;

/// <summary>
/// OpenTelemetry for one OrleansBreaker process (a silo or the dashboard): the product's meter beside the
/// ecosystem's own (Orleans, Npgsql, ASP.NET Core, HttpClient, the .NET runtime) on a Prometheus scrape endpoint,
/// always (<see cref="MapBreakerMetrics"/>); when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, also the
/// OTLP exporter, with traces of Orleans grain calls, Npgsql commands and HTTP requests in and out. Meter and source
/// names are strings, so this project stays free of Orleans; both processes call it once.
/// </summary>
public static class Telemetry
{
    /// <summary>The product's meter (<c>BreakerMetrics.MeterName</c> in Grains; a test keeps the two equal).</summary>
    public const string ProductMeter = "OrleansBreaker";

    /// <summary>Orleans 10's runtime meter (membership, messaging, activations, storage, reminders...).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Orleans' activity sources: Application (grain calls), Runtime, Lifecycle, Storage... They start spans only with <c>AddActivityPropagation()</c> on the silo and the client.</summary>
    public const string OrleansSources = "Microsoft.Orleans.*";

    public const string SiloService = "orleansbreaker-silo";
    public const string DashboardService = "orleansbreaker-dashboard";

    /// <summary>The standard variable (OpenTelemetry specification): set, it sends every signal there over OTLP.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Where every process serves its Prometheus text (API.md §3 for the dashboard).</summary>
    public const string MetricsPath = "/metrics";

    /// <param name="serviceName"><see cref="SiloService"/> or <see cref="DashboardService"/>: <c>service.name</c> (OTLP; Prometheus' <c>target_info</c>).</param>
    /// <param name="instanceId">This process among its service's (<c>service.instance.id</c>); the host name and process id unless given.</param>
    public static IServiceCollection AddBreakerTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName, string? instanceId = null)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName,
                serviceInstanceId: instanceId ?? $"{Environment.MachineName}:{Environment.ProcessId}",
                autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics => metrics
                .AddMeter(ProductMeter, OrleansMeter)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                // Instrument names as the meters give them, dots to underscores, counters with _total
                // (the exporter's default translation): breaker.trips is breaker_trips_total, as the
                // hand-made exporter wrote it. The product's instruments declare no unit, so none is appended.
                .AddPrometheusExporter());
        if (OtlpConfigured(configuration))
        {
            // Traces leave a process only through OTLP: without an endpoint none are recorded, so grain calls pay
            // nothing for them. Probes and scrapes are left out, or they would be most of a quiet process's traces.
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(OrleansSources)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsScrapeOrProbe(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql())
                // Every signal (metrics, traces, logs) to the endpoint, with the protocol and headers of the same
                // standard variables (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS...).
                .UseOtlpExporter();
        }
        return services;
    }

    /// <summary>Whether <see cref="AddBreakerTelemetry"/> adds the OTLP exporter: only when an endpoint is named.</summary>
    public static bool OtlpConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);

    /// <summary><c>GET /metrics</c>: OpenTelemetry's Prometheus exporter, this process's series only (each process is scraped on its own).</summary>
    public static IEndpointConventionBuilder MapBreakerMetrics(this IEndpointRouteBuilder app) => app.MapPrometheusScrapingEndpoint(MetricsPath);

    private static bool IsScrapeOrProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/healthz");
}
