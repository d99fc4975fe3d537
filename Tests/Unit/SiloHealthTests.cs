using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Web;

namespace OrleansBreaker.Tests.Unit;

/// <summary>A silo's <c>/healthz</c>: the rule (<see cref="SiloHealth"/>) and the endpoint that answers with it.</summary>
public sealed class SiloHealthTests
{
    [Theory]
    [InlineData(SiloStatus.Active, false, true)]
    [InlineData(SiloStatus.Active, true, false)]
    [InlineData(SiloStatus.None, false, false)]
    [InlineData(SiloStatus.Created, false, false)]
    [InlineData(SiloStatus.Joining, false, false)]
    [InlineData(SiloStatus.ShuttingDown, false, false)]
    [InlineData(SiloStatus.Stopping, false, false)]
    [InlineData(SiloStatus.Dead, false, false)]
    public void Healthy_OnlyWhileActiveAndNotStopping(SiloStatus status, bool stopping, bool healthy) =>
        Assert.Equal(healthy, SiloHealth.IsHealthy(status, stopping));

    [Theory]
    [InlineData(SiloStatus.Joining)]
    [InlineData(SiloStatus.ShuttingDown)]
    [InlineData(SiloStatus.Dead)]
    public async Task Healthz_Is503ProblemNamingTheStatus_WhileTheSiloIsNotActive(SiloStatus status)
    {
        await using var app = await StartAsync(status);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        using var response = await http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(status.ToString(), (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Healthz_Is200_WhileTheSiloIsActive_And503OnceTheHostIsStopping()
    {
        await using var app = await StartAsync(SiloStatus.Active);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        using (var active = await http.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, active.StatusCode);
        }

        // Asked to stop, still Active in the membership (Orleans has not begun to leave yet): no longer healthy.
        app.Lifetime.StopApplication();
        using var stopping = await http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, stopping.StatusCode);
        Assert.Contains("stopping", await stopping.Content.ReadAsStringAsync());
    }

    /// <summary>The silo's endpoints on a free loopback port, over an oracle that always says <paramref name="status"/>.</summary>
    private static async Task<WebApplication> StartAsync(SiloStatus status)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(FixedOracle.Create(status));
        builder.Services.AddProblemDetails();
        builder.Services.AddBreakerTelemetry(builder.Configuration, Telemetry.SiloService, "health-test");
        var app = builder.Build();
        app.MapSiloOperations();
        await app.StartAsync();
        return app;
    }

    /// <summary>An <see cref="ISiloStatusOracle"/> that answers its own status, name and address, and nothing else.</summary>
    public class FixedOracle : DispatchProxy
    {
        private SiloStatus _status;

        public static ISiloStatusOracle Create(SiloStatus status)
        {
            var oracle = Create<ISiloStatusOracle, FixedOracle>();
            ((FixedOracle)(object)oracle)._status = status;
            return oracle;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "get_CurrentStatus" => _status,
            "get_SiloName" => "test-silo",
            "get_SiloAddress" => SiloAddress.New(IPAddress.Loopback, 11111, 1),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }
}
