using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration.Memory;
using Orleans.Dashboard;
using OrleansBreaker.Client.Api;
using OrleansBreaker.Client.Auth;
using OrleansBreaker.Client.Hosting;
using OrleansBreaker.Client.Web;

namespace OrleansBreaker.Client;

/// <summary>
/// The dashboard client: REST API (API.md §3), web dashboard, <c>/healthz</c>, <c>/metrics</c> and the
/// Orleans Dashboard (admin key), over one <see cref="IClusterClient"/>. <c>Program.cs</c> runs it; tests
/// start it on a free loopback port against a TestingHost cluster.
/// </summary>
public static partial class DashboardApp
{
    /// <summary>Where the dashboard listens unless <c>--urls</c> / <c>ASPNETCORE_URLS</c> say otherwise (API.md §1).</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public const string OrleansDashboardPath = "/orleans-dashboard";

    /// <param name="args">Command line; standard .NET configuration (<c>--urls</c>, <c>--Auth:AdminKey</c>, <c>--Orleans:Gateways:0</c>...).</param>
    /// <param name="clock">A clock to use instead of the one <c>Clock:Start</c> configures (tests pass the cluster's fake one).</param>
    /// <param name="logging">Extra logging set-up (tests capture what the app logs).</param>
    public static WebApplication Build(string[] args, TimeProvider? clock = null, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Beside the binary, so `dotnet run --project Client` works from any folder; the application
            // name finds the compiled pages when another process (a test) hosts the app.
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(DashboardApp).Assembly.GetName().Name,
        });
        // Defaults at the lowest priority: any appsettings.json, environment variable or argument overrides them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:OrleansBreaker"] = "Information",
                ["Logging:LogLevel:OrleansBreaker.Client.Auth"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
                // Keys live beside the process (cookies need signing in again after a restart): said once here, not at every start.
                ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
                ["Logging:Console:FormatterName"] = "simple",
                ["Logging:Console:FormatterOptions:SingleLine"] = "true",
                ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss ",
            },
        });
        if (!WebHosting.HasConfiguredEndpoints(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        logging?.Invoke(builder.Logging);
        var adminKeyGenerated = string.IsNullOrWhiteSpace(builder.Configuration["Auth:AdminKey"]);
        if (adminKeyGenerated)
        {
            builder.Configuration["Auth:AdminKey"] = ApiKeys.NewAdminKey();
        }
        else if (ApiKeys.AdminKeyProblem(builder.Configuration["Auth:AdminKey"]!) is { } weak)
        {
            throw new InvalidOperationException(weak);
        }

        var services = builder.Services;
        services.AddKeyedSingleton(ClientClock.Key, clock ?? ClientClock.FromConfiguration(builder.Configuration));
        services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section));
        services.AddSingleton<ClusterStatus>();
        services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterStatus>());
        services.AddBreakerTelemetry(builder.Configuration, Telemetry.DashboardService);
        builder.UseOrleansClient(client =>
        {
            client
                .UseBreakerClustering(builder.Configuration)
                // Keep trying while the cluster is down (the web server is up meanwhile and /healthz says 503).
                .UseConnectionRetryFilter(async (exception, cancellationToken) =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                    return true;
                })
                .AddDashboard();
            // With an OTLP endpoint, a request's trace continues into the grains it calls (the silos do the same).
            if (Telemetry.OtlpConfigured(builder.Configuration))
            {
                client.AddActivityPropagation();
            }
        });
        // The web server listens while the client is still looking for a gateway, so /healthz can say 503.
        services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);

        services.AddBreakerAuth();
        services.Configure<JsonOptions>(o => ApiJson.Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddExceptionHandler<ClusterErrors>();
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/", AuthSetup.DashboardPolicy);
            o.Conventions.AllowAnonymousToPage("/SignIn");
            o.Conventions.AllowAnonymousToPage("/SignOut");
            o.Conventions.AllowAnonymousToPage("/Index");
        });

        var app = builder.Build();
        // Every hosted service has started, the Orleans client included: it is connected.
        var status = app.Services.GetRequiredService<ClusterStatus>();
        app.Lifetime.ApplicationStarted.Register(status.MarkStarted);
        if (adminKeyGenerated)
        {
            LogGeneratedAdminKey(app.Logger);
        }
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteStatusPageAsync);
        app.Use(SecurityHeaders);
        app.Use((context, next) => status.Connected || !NeedsCluster(context.Request.Path) ? next()
            : ClusterErrors.IsPage(context.Request.Path) ? ErrorPage.WriteAsync(context, StatusCodes.Status503ServiceUnavailable)
            : Problems.Unavailable("Not connected to the cluster yet; try again shortly.").ExecuteAsync(context));
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealth();
        app.MapBreakerMetrics();
        app.MapSiteCss();
        app.MapWorkspacesApi();
        var workspace = app.MapGroup("/api/workspaces/{ws}")
            .RequireAuthorization(AuthSetup.ApiPolicy)
            .AddEndpointFilter(WorkspaceAccess.Filter);
        workspace.MapAccountsApi();
        workspace.MapCampaignsApi();
        workspace.MapEventsApi();
        // Any other /api path: a problem, not the dashboard's HTML 404.
        app.Map("/api/{**rest}", () => Problems.NotFound("No such API endpoint; see API.md §3."));
        app.MapRazorPages();
        app.MapOrleansDashboard(OrleansDashboardPath).RequireAuthorization(AuthSetup.AdminPolicy);
        return app;
    }

    /// <summary>Everything but the health probe (which answers for itself), this process's metrics and the stylesheet reads grains.</summary>
    private static bool NeedsCluster(PathString path) =>
        !path.StartsWithSegments("/healthz") && !path.StartsWithSegments(Telemetry.MetricsPath) && !path.StartsWithSegments(SiteCss.Path);

    /// <summary>Bodiless error statuses: a problem document for the API, a plain page for the dashboard.</summary>
    private static Task WriteStatusPageAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (ClusterErrors.IsPage(http.Request.Path))
        {
            return ErrorPage.WriteAsync(http, http.Response.StatusCode);
        }
        var status = http.Response.StatusCode;
        return status switch
        {
            StatusCodes.Status404NotFound => Problems.NotFound("No such API endpoint; see API.md §3.").ExecuteAsync(http),
            StatusCodes.Status405MethodNotAllowed => Results.Problem(detail: $"{http.Request.Method} is not allowed here.", statusCode: status).ExecuteAsync(http),
            _ => Results.Problem(statusCode: status).ExecuteAsync(http),
        };
    }

    /// <summary>The dashboard's pages load nothing from elsewhere and run no script; the Orleans Dashboard is left as it ships.</summary>
    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (!context.Request.Path.StartsWithSegments(OrleansDashboardPath))
        {
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        }
        return next();
    }

    // The key itself is never logged: logs are collected and kept where secrets must not be (run.sh
    // always passes a key and prints it in its banner, the one place the contract shows it).
    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:AdminKey is not set: a random admin key was generated for this run and is not shown; set Auth:AdminKey (e.g. Auth__AdminKey) to use the admin API")]
    private static partial void LogGeneratedAdminKey(ILogger logger);
}
