using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansBreaker.Hosting;
using OrleansBreaker.Web;

namespace OrleansBreaker.Tests.Unit;

public sealed class TelemetryTests
{
    [Fact]
    public void TheSharedSetUp_ListensToTheMeterTheGrainsRecordOn() =>
        Assert.Equal(BreakerMetrics.MeterName, Telemetry.ProductMeter);

    [Fact]
    public void WithoutAnOtlpEndpoint_NoTracesAreRecordedAndNothingIsExported()
    {
        using var host = TelemetryHost(new Dictionary<string, string?>());

        Assert.NotNull(host.Services.GetService<MeterProvider>());
        Assert.Null(host.Services.GetService<TracerProvider>());
    }

    /// <summary>No collector: a loopback HTTP endpoint that records what OTLP/HTTP posts to it.</summary>
    [Fact]
    public async Task WithOtlpExporterOtlpEndpoint_MetricsAndTracesGoThere()
    {
        var posts = new ConcurrentQueue<string>();
        var receiver = WebApplication.CreateSlimBuilder();
        receiver.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = receiver.Build();
        collector.MapPost("/v1/{signal}", (string signal) =>
        {
            posts.Enqueue(signal);
            return Results.Ok();
        });
        await collector.StartAsync();
        var endpoint = collector.Urls.Single();

        using var host = TelemetryHost(new Dictionary<string, string?>
        {
            [Telemetry.OtlpEndpointKey] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        await host.StartAsync();
        BreakerMetrics.Clear(ActionType.InMail);
        using (var source = new ActivitySource("Microsoft.Orleans.Application"))
        using (source.StartActivity("a grain call"))
        {
        }
        // Flushing sends what each provider holds now. The meter provider's answer is not the OTLP export's alone:
        // its Prometheus reader only collects when scraped, so the receiver says what arrived.
        host.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000);
        host.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);
        await OrleansBreaker.Tests.RunScript.Eventually.HoldsAsync(() => posts.Contains("traces") && posts.Contains("metrics"), TimeSpan.FromSeconds(10),
            () => "the OTLP receiver got: " + string.Join(", ", posts));
        await host.StopAsync();
    }

    private static IHost TelemetryHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddBreakerTelemetry(builder.Configuration, Telemetry.SiloService, "test");
        return builder.Build();
    }
}
