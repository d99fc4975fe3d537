namespace OrleansBreaker.Upstream;

/// <summary>
/// The LinkedIn provider as the account grain sees it: one request per action, one raw answer back.
/// Implementations never classify and never retry; <see cref="UpstreamClassifier"/> decides what an answer means.
/// </summary>
public interface ILinkedInUpstream
{
    Task<UpstreamAnswer> SendAsync(UpstreamRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The provider-wide feed: every account's accepts and replies, oldest first, after the provider's
    /// cursor <paramref name="since"/> (0 = from the start), at most <paramref name="limit"/>. Read-only,
    /// safe to repeat. A page that could not be read comes back empty with <c>Next</c> = <paramref name="since"/>.
    /// </summary>
    Task<ProviderFeedPage> ReadFeedAsync(long since, int limit, CancellationToken cancellationToken);
}

/// <summary>An accepted invite or a reply, as the provider reports it; the key is the dispatch it follows.</summary>
public sealed record ProviderOutcome(long Seq, string AccountId, string ProspectId, EventKind Kind, ActionType Action, DateTimeOffset At, string? IdempotencyKey);

/// <summary>
/// One page of the provider-wide feed. <see cref="Next"/> is the cursor to read on from: past every entry
/// of the page, including entries the upstream dropped as unreadable (so a broken entry is not re-read forever).
/// </summary>
public sealed record ProviderFeedPage(IReadOnlyList<ProviderOutcome> Items, long Next)
{
    public static ProviderFeedPage Empty(long since) => new([], since);
}

public sealed record UpstreamRequest(string AccountId, ActionType Action, string ProspectId, string? ProfileUrl, string IdempotencyKey);

/// <summary>How the request ended at the transport level, before any body is read.</summary>
public enum TransportOutcome
{
    /// <summary>An HTTP answer arrived (it may still be garbage).</summary>
    Answered,
    /// <summary>The connection could not be made: the request certainly never reached the provider.</summary>
    NotConnected,
    /// <summary>The request was sent but no answer came in time: it may or may not have been performed.</summary>
    TimedOut,
}

/// <summary>A raw answer: HTTP status and body as received (the body may be empty, truncated or not JSON).</summary>
public sealed record UpstreamAnswer(int StatusCode, string? Body, TransportOutcome Transport = TransportOutcome.Answered)
{
    public static UpstreamAnswer NotConnected { get; } = new(0, null, TransportOutcome.NotConnected);
    public static UpstreamAnswer TimedOut { get; } = new(0, null, TransportOutcome.TimedOut);
}

/// <summary>
/// The wire format of our provider API (shared by the in-process and HTTP simulators).
/// Success: 2xx <c>{"result":"delivered","actionId":"..."}</c>. Refusal: 4xx/5xx <c>{"error":"CODE","message":"..."}</c>.
/// </summary>
public static class WireCodes
{
    public const string Delivered = "delivered";
    public const string NotEnoughCredits = "NOT_ENOUGH_CREDITS";
    /// <summary>LinkedIn's refusal that cannot be told apart from "recipient does not accept InMail".</summary>
    public const string InMailRefused = "INMAIL_REFUSED";
    public const string WeeklyInvitationLimit = "WEEKLY_INVITATION_LIMIT";
    public const string ActionLimitReached = "ACTION_LIMIT_REACHED";
    public const string RateLimited = "RATE_LIMITED";
    public const string SessionExpired = "SESSION_EXPIRED";
    public const string AccountRestricted = "ACCOUNT_RESTRICTED";
    public const string RecipientUnavailable = "RECIPIENT_UNAVAILABLE";
    public const string InMailDisabled = "INMAIL_DISABLED";
    public const string ProfileNotFound = "PROFILE_NOT_FOUND";
    public const string AlreadyInvited = "ALREADY_INVITED";
    public const string NotConnected = "NOT_CONNECTED";
    public const string ServerError = "SERVER_ERROR";
}
