using System.Net;

namespace OrleansBreaker.Client.Web;

/// <summary>The plain page of a dashboard error (404, 503...): no detail that could tell another workspace's resources apart.</summary>
public static class ErrorPage
{
    public static Task WriteAsync(HttpContext context, int status)
    {
        var (title, text) = status switch
        {
            StatusCodes.Status404NotFound => ("Not found", "There is nothing here, or it belongs to another workspace."),
            StatusCodes.Status503ServiceUnavailable => ("Cluster unavailable", "The dashboard cannot reach the cluster right now. Try again in a few seconds."),
            StatusCodes.Status400BadRequest => ("Invalid request", "The request was not valid."),
            _ => ("Error", "Something went wrong."),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        var html = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{status} {WebUtility.HtmlEncode(title)} · OrleansBreaker</title><link rel="stylesheet" href="{SiteCss.Path}"></head>
            <body><header class="top"><a class="brand" href="/">OrleansBreaker</a></header>
            <main><h1 id="error-title">{status} · {WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p><p><a href="/">Back to the dashboard</a></p></main></body></html>
            """;
        return context.Response.WriteAsync(html);
    }
}
