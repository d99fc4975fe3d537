using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration.Memory;
using OrleansBreaker.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Simulator;

/// <summary>Builds the simulator service; <c>Program.cs</c> runs it, tests start it on a free port.</summary>
public static class SimulatorApp
{
    /// <summary>Where the simulator listens unless <c>--urls</c> / <c>ASPNETCORE_URLS</c> say otherwise (API.md §1).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5090";

    /// <param name="args">Command line; standard .NET configuration (<c>--urls</c>, <c>--Clock:Start</c>, ...).</param>
    /// <param name="clock">A clock to use instead of the one <c>Clock:Start</c> configures (tests pass a fake one).</param>
    public static WebApplication Build(string[] args, TimeProvider? clock = null)
    {
        // Content root beside the binary, as the silo does, so `dotnet run --project Simulator` works from any folder.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

        // Defaults at the lowest priority: any appsettings.json, environment variable or argument overrides them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:Console:FormatterName"] = "simple",
                ["Logging:Console:FormatterOptions:SingleLine"] = "true",
                ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss ",
            },
        });
        if (!WebHosting.HasConfiguredEndpoints(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        clock ??= ClockFrom(builder.Configuration);
        builder.Services.AddKeyedSingleton(BreakerServices.ClockKey, clock);
        builder.Services.AddSingleton(new SimulatedLinkedIn(clock));
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapControlApi();
        app.MapProviderApi();
        return app;
    }

    /// <summary>The same binding as the silo's (<see cref="ClockOptions"/>), so both read <c>Clock:Start</c> identically.</summary>
    private static TimeProvider ClockFrom(IConfiguration configuration)
    {
        ClockOptions? options;
        try
        {
            options = configuration.GetSection(ClockOptions.Section).Get<ClockOptions>();
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                $"Clock:Start '{configuration["Clock:Start"]}' is not an ISO-8601 instant; use e.g. Clock__Start=2026-11-30T23:59:00Z.", ex);
        }
        return options?.Start is { } start ? new SimulationTimeProvider(start) : TimeProvider.System;
    }
}
