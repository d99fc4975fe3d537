using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using OrleansBreaker.Client.Api;

namespace OrleansBreaker.Client.Hosting;

/// <summary>
/// Exceptions that escape an endpoint: a grain's refusal of an argument is a 400 (it validated what the
/// client could not, e.g. a time zone unknown to the silo); the cluster or its storage being out of
/// reach is a 503; anything else is a bug and stays a 500.
/// </summary>
public sealed partial class ClusterErrors(ILogger<ClusterErrors> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        IResult result;
        if (exception is ArgumentException && httpContext.Request.Path.StartsWithSegments(DashboardApp.OrleansDashboardPath))
        {
            // The Orleans Dashboard's grains live in the silos: without ISiloBuilder.AddDashboard() there, its data calls fail.
            LogUnavailable(httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
            await Problems.Unavailable("The Orleans Dashboard needs the silos to run it too (ISiloBuilder.AddDashboard()); this cluster's silos do not.").ExecuteAsync(httpContext);
            return true;
        }
        if (exception is ArgumentException argument)
        {
            LogRefused(httpContext.Request.Method, httpContext.Request.Path, StripParameter(argument));
            result = Problems.BadRequest(StripParameter(argument));
        }
        else if (exception is StorageUnavailableException storage)
        {
            LogUnavailable(httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
            result = Problems.Unavailable(storage.Message);
        }
        else if (IsUnavailable(exception))
        {
            LogUnavailable(httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
            result = Problems.Unavailable($"The cluster is unavailable ({exception.GetType().Name}); try again shortly.");
        }
        else
        {
            return false;
        }
        if (IsPage(httpContext.Request.Path))
        {
            var status = exception is ArgumentException ? StatusCodes.Status400BadRequest : StatusCodes.Status503ServiceUnavailable;
            await Web.ErrorPage.WriteAsync(httpContext, status);
            return true;
        }
        await result.ExecuteAsync(httpContext);
        return true;
    }

    public static bool IsUnavailable(Exception exception) => exception switch
    {
        OrleansException or TimeoutException or SocketException or IOException or StorageUnavailableException => true,
        OperationCanceledException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsUnavailable),
        // Storage and network failures inside the silo arrive as their own types (Npgsql, Orleans.Storage...).
        _ => exception.GetType().Namespace is { } ns && (ns.StartsWith("Orleans", StringComparison.Ordinal) || ns.StartsWith("Npgsql", StringComparison.Ordinal)),
    };

    public static bool IsPage(PathString path) =>
        !path.StartsWithSegments("/api") && !path.StartsWithSegments("/healthz") && !path.StartsWithSegments("/metrics");

    /// <summary>ArgumentException appends " (Parameter 'x')", which means nothing to an API user.</summary>
    private static string StripParameter(ArgumentException exception)
    {
        var message = exception.Message;
        var at = message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return at > 0 ? message[..at] : message;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path}: a grain refused the request: {Detail}")]
    private partial void LogRefused(string method, string path, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: the cluster is unavailable ({Exception}: {Message}); answered 503")]
    private partial void LogUnavailable(string method, string path, string exception, string message);
}
