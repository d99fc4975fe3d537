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
        if (BadText(document.RootElement, "") is { } problem)
        {
            document.Dispose();
            return (null, Problems.BadRequest(problem));
        }
        return (document, null);
    }

    /// <summary>
    /// The first string or property name that is not text we can keep, or null. The JSON parser accepts
    /// invalid UTF-8 inside strings and escaped lone surrogates (<c>\ud800</c>); they throw only when a
    /// reader asks for the string, deep in an endpoint (a 500). A NUL is valid JSON but PostgreSQL refuses
    /// it in text columns, so it would fail at the store. Checked once here for every endpoint.
    /// </summary>
    private static string? BadText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!TryText(property, out var name))
                    {
                        return $"The body holds text that is not valid UTF-8 or UTF-16 (a raw byte such as 0xFF, or an unpaired surrogate escape such as \\ud800) in a property name of {Where(path)}.";
                    }
                    var field = path.Length == 0 ? name : $"{path}.{name}";
                    if (name.Contains('\0'))
                    {
                        return $"A property name of {Where(path)} holds a NUL character (\\u0000), which is not allowed in text.";
                    }
                    if (BadText(property.Value, field) is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (BadText(item, $"{path}[{i++}]") is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case JsonValueKind.String:
                if (!TryText(element, out var text))
                {
                    return $"The body holds text that is not valid UTF-8 or UTF-16 (a raw byte such as 0xFF, or an unpaired surrogate escape such as \\ud800) in {Where(path)}.";
                }
                return text.Contains('\0') ? $"{Where(path)} holds a NUL character (\\u0000), which is not allowed in text." : null;
            default:
                return null;
        }
    }

    private static string Where(string path) => path.Length == 0 ? "the body" : Problems.Shorten(path);

    private static bool TryText(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    private static bool TryText(JsonElement element, out string text)
    {
        try
        {
            text = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
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
