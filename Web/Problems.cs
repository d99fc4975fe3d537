using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OrleansBreaker.Web;

/// <summary>
/// RFC 9457 answers (API.md §2), for the REST API and the simulator alike: <c>application/problem+json</c>
/// with a human-readable <c>detail</c>. Every one is logged with what was wrong, so a rejected request
/// leaves a line to look at.
/// </summary>
public static partial class Problems
{
    public const string LogCategory = "OrleansBreaker.Api";

    /// <param name="detail">What was wrong, in words.</param>
    /// <param name="extensions">Extra members of the problem object (e.g. a provider's own error fields).</param>
    public static IResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        new Problem(StatusCodes.Status400BadRequest, "Invalid request", detail, extensions);

    public static IResult Unauthorized(string detail) => new Problem(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static IResult Forbidden(string detail) => new Problem(StatusCodes.Status403Forbidden, "Forbidden", detail);

    public static IResult NotFound(string detail) => new Problem(StatusCodes.Status404NotFound, "Not found", detail);

    public static IResult Conflict(string detail) => new Problem(StatusCodes.Status409Conflict, "Conflict", detail);

    public static IResult TooLarge(int maxBytes) =>
        new Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body is over {maxBytes} bytes (1 MiB).");

    public static IResult Unavailable(string detail) => new Problem(StatusCodes.Status503ServiceUnavailable, "Cluster unavailable", detail);

    public static IResult InvalidId(string name, string value) =>
        BadRequest($"{name} '{Shorten(value)}' is not a valid id: use 1 to 64 characters among A-Z, a-z, 0-9, '_' and '-'.");

    /// <summary>Input echoed in a detail (and so in a log line): at most 80 characters, control characters replaced.</summary>
    public static string Shorten(string value)
    {
        var text = value.Length <= 80 ? value : value[..80] + "...";
        return text.Any(char.IsControl) ? new string([.. text.Select(c => char.IsControl(c) ? '?' : c)]) : text;
    }

    /// <summary>A problem answer that logs itself when written.</summary>
    private sealed class Problem(int status, string title, string detail, IDictionary<string, object?>? extensions = null) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var logger = httpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
            LogRejected(logger, httpContext.Request.Method, httpContext.Request.Path, status, detail);
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                httpContext.Response.Headers.RetryAfter = "5";
            }
            return Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions).ExecuteAsync(httpContext);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Method} {Path}: {Status} {Detail}")]
    private static partial void LogRejected(ILogger logger, string method, string path, int status, string detail);
}
