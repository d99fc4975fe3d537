using System.Globalization;
using System.Text.Json;

namespace OrleansBreaker.Client.Api;

/// <summary>
/// Reads the fields of a request body (<see cref="RequestBody.ReadObjectAsync"/> reads the body), so every
/// malformed input gets a 400 that says which field is wrong.
/// </summary>
public static class JsonBody
{
    /// <summary>
    /// ISO-8601 extended format, date and time with an offset (<c>Z</c> or <c>±hh:mm</c>), seconds and
    /// fractions optional: the shapes RFC 3339 and System.Text.Json write. <c>zzz</c> requires the
    /// offset, so a local time is refused.
    /// </summary>
    private static readonly string[] IsoInstantFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mmzzz",
    ];

    /// <summary>Nothing this service records happened before 1970 or will after 9000; beyond, dates are mistakes or probes.</summary>
    public static readonly DateTimeOffset EarliestInstant = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset LatestInstant = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A field-by-field reader of one JSON object that stops at the first problem, naming the field.</summary>
    public sealed class Reader(JsonElement element, string path)
    {
        public string? Error { get; private set; }

        public bool Ok => Error is null;

        /// <summary>Refuses fields other than <paramref name="known"/>: a misspelt field silently ignored would leave defaults in force.</summary>
        public Reader Only(params string[] known)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (Error is null && System.Array.IndexOf(known, property.Name) < 0)
                {
                    Error = $"Unknown field '{Field(property.Name)}'. Known fields{(path.Length == 0 ? "" : " of " + path)}: {string.Join(", ", known)}.";
                }
            }
            return this;
        }

        public bool Has(string name) => element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

        public string? String(string name, bool required = false, int maxLength = 2048)
        {
            if (!Present(name, required, out var value))
            {
                return null;
            }
            if (value.ValueKind != JsonValueKind.String)
            {
                return Fail($"{Field(name)} must be a string, got {Describe(value)}.");
            }
            var text = value.GetString()!;
            return text.Length <= maxLength ? text : Fail($"{Field(name)} is longer than {maxLength} characters.");
        }

        public string? Id(string name, bool required = false)
        {
            var text = String(name, required, maxLength: 1000);
            return text is null || Ids.IsValid(text)
                ? text
                : Fail($"{Field(name)} '{Problems.Shorten(text)}' is not a valid id: use 1 to 64 characters among A-Z, a-z, 0-9, '_' and '-'.");
        }

        public int? Int(string name, int min, int max, bool required = false)
        {
            if (!Present(name, required, out var value))
            {
                return null;
            }
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max)
            {
                return n;
            }
            Fail($"{Field(name)} must be a whole number from {min} to {max}, got {Describe(value)}.");
            return null;
        }

        public bool? Bool(string name)
        {
            if (!Present(name, false, out var value))
            {
                return null;
            }
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }
            Fail($"{Field(name)} must be true or false, got {Describe(value)}.");
            return null;
        }

        /// <summary>An enum by name only (case-insensitive); numbers are refused.</summary>
        public T? Enum<T>(string name, bool required = false, IReadOnlyCollection<T>? allowed = null) where T : struct, System.Enum
        {
            var text = String(name, required, maxLength: 200);
            if (text is null)
            {
                return null;
            }
            if (EnumNames.TryParse<T>(text, out var result) && (allowed is null || allowed.Contains(result)))
            {
                return result;
            }
            var names = allowed?.Select(a => a.ToString()) ?? System.Enum.GetNames<T>();
            Fail($"{Field(name)} must be one of {string.Join(", ", names)}, got '{Problems.Shorten(text)}'.");
            return null;
        }

        /// <summary>
        /// An ISO-8601 instant with its offset (e.g. <c>2026-11-24T11:00:00Z</c>), in UTC. ISO-8601 only:
        /// a general parser would also take RFC 1123 (<c>Tue, 24 Nov 2026 11:00:00 +00:00</c>) and other
        /// culture shapes, which API.md does not promise. Bounded so that no later arithmetic on it (a
        /// cap window, a month to the reset) can overflow.
        /// </summary>
        public DateTimeOffset? Instant(string name)
        {
            var text = String(name, maxLength: 100);
            if (text is null)
            {
                return null;
            }
            // RFC 3339 allows a lower-case 't' and 'z'; 'Z' is UTC (not the machine's zone) by AssumeUniversal.
            if (!DateTimeOffset.TryParseExact(text.ToUpperInvariant(), IsoInstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                Fail($"{Field(name)} must be an ISO-8601 instant with its offset, such as 2026-11-24T11:00:00Z, got '{Problems.Shorten(text)}'.");
                return null;
            }
            var utc = at.ToUniversalTime();
            if (utc < EarliestInstant || utc > LatestInstant)
            {
                Fail($"{Field(name)} must be between {EarliestInstant:yyyy-MM-dd} and {LatestInstant:yyyy-MM-dd}, got '{Problems.Shorten(text)}'.");
                return null;
            }
            return utc;
        }

        public JsonElement? Object(string name, bool required = false) => Typed(name, required, JsonValueKind.Object, "an object");

        public JsonElement? Array(string name, bool required = false) => Typed(name, required, JsonValueKind.Array, "an array");

        public Reader Nested(JsonElement value, string name) => new(value, Field(name));

        public T? Fail<T>(string error) where T : class
        {
            Error ??= error;
            return null;
        }

        public string? Fail(string error)
        {
            Error ??= error;
            return null;
        }

        /// <summary>Takes a nested reader's problem as this one's.</summary>
        public bool Absorb(Reader nested)
        {
            Error ??= nested.Error;
            return nested.Ok;
        }

        public string Field(string name) => path.Length == 0 ? name : $"{path}.{name}";

        private JsonElement? Typed(string name, bool required, JsonValueKind kind, string what)
        {
            if (!Present(name, required, out var value))
            {
                return null;
            }
            if (value.ValueKind == kind)
            {
                return value;
            }
            Fail($"{Field(name)} must be {what}, got {Describe(value)}.");
            return null;
        }

        private bool Present(string name, bool required, out JsonElement value)
        {
            if (Error is null && element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
            {
                return true;
            }
            value = default;
            if (required && Error is null)
            {
                Error = $"{Field(name)} is required.";
            }
            return false;
        }
    }

    public static string Describe(JsonElement value) => Problems.Shorten(value.GetRawText());

}

/// <summary>Enum names as the API writes them; numbers never parse.</summary>
public static class EnumNames
{
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        var match = text is null ? null : System.Array.Find(Enum.GetNames<T>(), n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            return false;
        }
        value = Enum.Parse<T>(match);
        return true;
    }
}
