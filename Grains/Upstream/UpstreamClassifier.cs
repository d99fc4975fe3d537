using System.Text.Json;

namespace OrleansBreaker.Upstream;

/// <summary>The classifier's verdict on one answer.</summary>
/// <param name="Class">Exactly one class of BRIEF §3.</param>
/// <param name="Code">The provider's error code or a short description of what was wrong with the answer.</param>
/// <param name="Ambiguous">An InMail refusal that may mean "no credits" or "recipient does not accept InMail".</param>
/// <param name="OutcomeUncertain">The action may have been performed (timeout, unreadable 2xx): never re-send it.</param>
public sealed record UpstreamVerdict(OutcomeClass Class, string Code, bool Ambiguous = false, bool OutcomeUncertain = false);

/// <summary>
/// One pure, table-driven function from (action, raw answer) to a class (BRIEF §3). The table is read
/// top to bottom; the first matching row wins. Anything no row recognises is <see cref="OutcomeClass.UpstreamError"/>,
/// never <see cref="OutcomeClass.Delivered"/>.
/// </summary>
public static class UpstreamClassifier
{
    /// <summary>Longer bodies are not parsed: no real answer of ours is that large, and parsing it costs memory.</summary>
    public const int MaxBodyChars = 64 * 1024;

    private sealed record Rule(Func<int, bool> Status, string? Code, string? MessageContains, ActionType? Action, OutcomeClass Class, bool Ambiguous = false);

    private static bool Client(int s) => s is >= 400 and < 500;
    private static bool Any(int s) => s is >= 400 and < 600;

    // Order matters: explicit credit refusals before the ambiguous one; specific 429 codes before plain 429.
    private static readonly Rule[] Table =
    [
        new(Any, WireCodes.NotEnoughCredits, null, ActionType.InMail, OutcomeClass.CreditsExhausted),
        new(Client, null, "not enough credits", ActionType.InMail, OutcomeClass.CreditsExhausted),
        new(Client, WireCodes.InMailRefused, null, ActionType.InMail, OutcomeClass.RecipientUnavailable, Ambiguous: true),
        new(Client, WireCodes.WeeklyInvitationLimit, null, null, OutcomeClass.ActionLimitReached),
        new(Client, WireCodes.ActionLimitReached, null, null, OutcomeClass.ActionLimitReached),
        new(Client, WireCodes.NotEnoughCredits, null, null, OutcomeClass.ActionLimitReached),
        new(Client, WireCodes.SessionExpired, null, null, OutcomeClass.AccountDisconnected),
        new(Client, WireCodes.AccountRestricted, null, null, OutcomeClass.AccountRestricted),
        new(Client, WireCodes.RecipientUnavailable, null, null, OutcomeClass.RecipientUnavailable),
        new(Client, WireCodes.InMailDisabled, null, null, OutcomeClass.RecipientUnavailable),
        new(Client, WireCodes.ProfileNotFound, null, null, OutcomeClass.RecipientUnavailable),
        new(Client, WireCodes.AlreadyInvited, null, null, OutcomeClass.RecipientUnavailable),
        new(Client, WireCodes.NotConnected, null, null, OutcomeClass.RecipientUnavailable),
        new(s => s == 429, null, null, null, OutcomeClass.RateLimited),
        new(s => s == 401, null, null, null, OutcomeClass.AccountDisconnected),
        new(s => s is >= 500 and < 600, null, null, null, OutcomeClass.UpstreamError),
    ];

    public static UpstreamVerdict Classify(ActionType action, UpstreamAnswer answer)
    {
        switch (answer.Transport)
        {
            case TransportOutcome.NotConnected:
                return new(OutcomeClass.UpstreamError, "connection failed");
            case TransportOutcome.TimedOut:
                return new(OutcomeClass.UpstreamError, "timed out", OutcomeUncertain: true);
        }

        var (parsed, result, code, message) = Parse(answer.Body);
        var status = answer.StatusCode;

        if (status is >= 200 and < 300)
        {
            // Only an explicit "delivered" is a delivery. Anything else in a 2xx may or may not
            // have been performed, so it is an error whose outcome is uncertain.
            return parsed && string.Equals(result, WireCodes.Delivered, StringComparison.Ordinal)
                ? new(OutcomeClass.Delivered, WireCodes.Delivered)
                : new(OutcomeClass.UpstreamError, parsed ? "unrecognised success body" : "unreadable success body", OutcomeUncertain: true);
        }

        foreach (var rule in Table)
        {
            if (!rule.Status(status) || (rule.Action is { } a && a != action))
            {
                continue;
            }
            if (rule.Code is not null && !string.Equals(rule.Code, code, StringComparison.Ordinal))
            {
                continue;
            }
            if (rule.MessageContains is not null
                && (message is null || !message.Contains(rule.MessageContains, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            return new(rule.Class, code ?? $"HTTP {status}", rule.Ambiguous);
        }

        return new(OutcomeClass.UpstreamError, parsed ? $"unrecognised answer HTTP {status} {code}".TrimEnd() : $"unreadable answer HTTP {status}");
    }

    private static (bool Parsed, string? Result, string? Code, string? Message) Parse(string? body)
    {
        // Only an object is readable: anything else (an HTML error page, a proxy's text) is refused
        // before the parser, which would otherwise throw and be caught, ~25x the cost of a good answer.
        if (string.IsNullOrWhiteSpace(body) || body.Length > MaxBodyChars || body.AsSpan().TrimStart()[0] != '{')
        {
            return (false, null, null, null);
        }
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (false, null, null, null);
            }
            return (true, Text(doc.RootElement, "result"), Text(doc.RootElement, "error"), Text(doc.RootElement, "message"));
        }
        catch (JsonException)
        {
            return (false, null, null, null);
        }
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
