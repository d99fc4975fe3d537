using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansBreaker.Simulator;

/// <summary>Reads request bodies ourselves, so every malformed input gets a 400 that says what is wrong.</summary>
internal static partial class JsonBody
{
    /// <summary>Same limit as the REST API (API.md §2).</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The body as a JSON object; <c>Root</c> is null for an empty body.</summary>
    public static async Task<(JsonDocument? Root, IResult? Error)> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, Problems.TooLarge(MaxBytes));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    return (null, Problems.TooLarge(MaxBytes));
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (null, Results.Problem(detail: ex.Message, statusCode: ex.StatusCode, title: "Invalid request"));
        }
        if (buffer.Length == 0)
        {
            return (null, null);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            return (null, Problems.BadRequest($"The body is not valid JSON: {ex.Message}"));
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            return (null, Problems.BadRequest($"The body must be a JSON object, not {kind.ToString().ToLowerInvariant()}."));
        }
        return (document, null);
    }

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
