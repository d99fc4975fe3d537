using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OrleansBreaker.Web;

/// <summary>Reads request bodies ourselves, so every malformed input gets a 400 or 413 that says what is wrong.</summary>
public static class RequestBody
{
    /// <summary>API.md §2: bodies over 1 MiB answer 413.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The body as a JSON object; <c>Root</c> is null for an empty body, <c>Error</c> the answer to a bad one.</summary>
    public static async Task<(JsonDocument? Root, IResult? Error)> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken = default)
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
            return (null, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? Problems.TooLarge(MaxBytes) : Problems.BadRequest(ex.Message));
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
            return (null, Problems.BadRequest($"The body must be a JSON object, not {Kind(kind)}."));
        }
        return (document, null);
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
