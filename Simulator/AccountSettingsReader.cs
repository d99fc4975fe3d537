using System.Text.Json;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Simulator;

/// <summary>
/// Reads the body of <c>PUT /sim/accounts/{id}</c> (API.md §4): every field optional, <c>null</c> keeps the
/// current value, anything else invalid is refused with a message naming the field. Unknown fields are
/// refused too: a misspelt field silently ignored would leave a test running against the defaults.
/// </summary>
internal static class AccountSettingsReader
{
    /// <summary>Latency above this is refused: the client would have given up long before.</summary>
    public const int MaxLatencyMs = 300_000;

    private static readonly string[] Fields =
    [
        "inMailCredits", "inviteWeeklyLimit", "status", "fault", "latencyMs", "acceptRate", "replyRate",
        "ambiguousCreditRefusals", "unreachableRecipients",
    ];

    public static bool TryRead(JsonElement body, out SimulatedAccountSettings settings, out string error)
    {
        settings = new SimulatedAccountSettings();
        error = "";
        foreach (var property in body.EnumerateObject())
        {
            var field = Array.Find(Fields, f => string.Equals(f, property.Name, StringComparison.OrdinalIgnoreCase));
            if (field is null)
            {
                error = $"Unknown field '{Problems.Shorten(property.Name)}'. Known fields: {string.Join(", ", Fields)}.";
                return false;
            }
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (field)
            {
                case "inMailCredits":
                    if (!TryCount(value, field, int.MaxValue, out var credits, out error)) return false;
                    settings = settings with { InMailCredits = credits };
                    break;
                case "inviteWeeklyLimit":
                    if (!TryCount(value, field, int.MaxValue, out var limit, out error)) return false;
                    settings = settings with { InviteWeeklyLimit = limit };
                    break;
                case "latencyMs":
                    if (!TryCount(value, field, MaxLatencyMs, out var latency, out error)) return false;
                    settings = settings with { Latency = TimeSpan.FromMilliseconds(latency) };
                    break;
                case "status":
                    if (!TryEnum<AccountStatus>(value, field, out var status, out error)) return false;
                    settings = settings with { Status = status };
                    break;
                case "fault":
                    if (!TryEnum<SimulatedFault>(value, field, out var fault, out error)) return false;
                    settings = settings with { Fault = fault };
                    break;
                case "acceptRate":
                    if (!TryRate(value, field, out var accept, out error)) return false;
                    settings = settings with { AcceptRate = accept };
                    break;
                case "replyRate":
                    if (!TryRate(value, field, out var reply, out error)) return false;
                    settings = settings with { ReplyRate = reply };
                    break;
                case "ambiguousCreditRefusals":
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        error = $"{field} must be true or false, got {Describe(value)}.";
                        return false;
                    }
                    settings = settings with { AmbiguousCreditRefusals = value.GetBoolean() };
                    break;
                case "unreachableRecipients":
                    if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(e.GetString())))
                    {
                        error = $"{field} must be an array of prospect ids (non-empty strings), got {Describe(value)}.";
                        return false;
                    }
                    settings = settings with { UnreachableRecipients = [.. value.EnumerateArray().Select(e => e.GetString()!)] };
                    break;
            }
        }
        return true;
    }

    private static bool TryCount(JsonElement value, string field, int max, out int result, out string error)
    {
        error = "";
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out result) && result >= 0 && result <= max)
        {
            return true;
        }
        result = 0;
        error = $"{field} must be a whole number from 0 to {max}, got {Describe(value)}.";
        return false;
    }

    private static bool TryRate(JsonElement value, string field, out double result, out string error)
    {
        error = "";
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out result) && result is >= 0 and <= 1)
        {
            return true;
        }
        result = 0;
        error = $"{field} must be a number from 0 to 1 (a probability), got {Describe(value)}.";
        return false;
    }

    private static bool TryEnum<T>(JsonElement value, string field, out T result, out string error) where T : struct, Enum
    {
        error = "";
        result = default;
        // Names only: Enum.TryParse would also take "1" or "-3".
        var name = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var match = Array.Find(Enum.GetNames<T>(), n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        if (match is not null)
        {
            result = Enum.Parse<T>(match);
            return true;
        }
        error = $"{field} must be one of {string.Join(", ", Enum.GetNames<T>())}, got {Describe(value)}.";
        return false;
    }

    private static string Describe(JsonElement value) => Problems.Shorten(value.GetRawText());
}
