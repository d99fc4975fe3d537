using System.Collections.Concurrent;
using System.Text.Json;

namespace OrleansBreaker.Upstream;

/// <summary>Faults the simulator can inject into every call of an account (API.md §4).</summary>
public enum SimulatedFault
{
    None,
    ServerError,
    Timeout,
    RateLimited,
    Garbage,
}

/// <summary>What a prospect did after a delivered action, as the simulator's outcome feed reports it.</summary>
public enum SimulatedOutcomeKind
{
    /// <summary>The prospect accepted a connection invite.</summary>
    Accepted,
    /// <summary>The prospect replied to a message or an InMail.</summary>
    Replied,
}

/// <summary>Settings of one simulated account; null fields keep their value.</summary>
public sealed record SimulatedAccountSettings
{
    public int? InMailCredits { get; init; }
    public int? InviteWeeklyLimit { get; init; }
    public AccountStatus? Status { get; init; }
    public SimulatedFault? Fault { get; init; }
    /// <summary>Delay before every answer. The action itself is performed on arrival, so a caller that
    /// gives up during the delay leaves a performed action behind: the "outcome unknown" case.</summary>
    public TimeSpan? Latency { get; init; }
    /// <summary>Probability (0..1) that a delivered invite is accepted.</summary>
    public double? AcceptRate { get; init; }
    /// <summary>Probability (0..1) that a delivered message or InMail gets a reply.</summary>
    public double? ReplyRate { get; init; }
    /// <summary>When out of credits, answer with LinkedIn's ambiguous refusal instead of "Not enough credits".</summary>
    public bool? AmbiguousCreditRefusals { get; init; }
    /// <summary>Prospects that cannot receive anything on this account.</summary>
    public IReadOnlyCollection<string>? UnreachableRecipients { get; init; }
}

/// <summary>A snapshot of one simulated account, in the shape of API.md §4.</summary>
public sealed record SimulatedAccountView(
    string Id, int InMailCredits, AccountStatus Status, SimulatedFault Fault,
    IReadOnlyDictionary<ActionType, int> Calls, IReadOnlyDictionary<ActionType, int> Delivered, int DuplicateKeys)
{
    public int InviteWeeklyLimit { get; init; }
    public TimeSpan Latency { get; init; }
    public double AcceptRate { get; init; }
    public double ReplyRate { get; init; }
    public bool AmbiguousCreditRefusals { get; init; }
}

/// <summary>One entry of an account's own outcome feed; <see cref="Seq"/> starts at 1 and grows by one per entry of that account.</summary>
public sealed record SimulatedOutcome(long Seq, string ProspectId, SimulatedOutcomeKind Kind, ActionType Action, DateTimeOffset At, string? IdempotencyKey = null);

/// <summary>
/// What the simulator does with one request: the answer, and how long to wait before giving it.
/// An answer whose transport is <see cref="TransportOutcome.TimedOut"/> must never be given at all.
/// </summary>
public sealed record SimulatedCall(UpstreamAnswer Answer, TimeSpan Latency);

/// <summary>
/// A LinkedIn stand-in: per-account InMail credits renewing to 50 on the 1st of each month 00:00 UTC,
/// a rolling weekly invitation limit, account status, injected faults and latency, LinkedIn's ambiguous
/// InMail refusal, and accepts/replies after deliveries. It lives in the silo's process (the embedded
/// default and the tests) and behind the HTTP simulator service, in the same wire format, so the real
/// classifier runs on every answer and both behave identically.
/// </summary>
public sealed class SimulatedLinkedIn(TimeProvider time) : ILinkedInUpstream
{
    public const int MonthlyInMailCredits = 50;
    public const int DefaultInviteWeeklyLimit = 100;

    /// <summary>The outcome feed keeps this many entries per account; older ones are dropped (bounded memory).</summary>
    public const int MaxOutcomesKept = 10_000;

    private readonly ConcurrentDictionary<string, SimAccount> _accounts = new(StringComparer.Ordinal);
    private readonly SimulatedOutcomeFeed _feed = new();

    public TimeProvider Time => time;

    public SimulatedAccountView Configure(string accountId, SimulatedAccountSettings settings)
    {
        var account = Get(accountId);
        lock (account)
        {
            account.Renew(time.GetUtcNow());
            if (settings.InMailCredits is { } credits) account.InMailCredits = credits;
            if (settings.InviteWeeklyLimit is { } limit) account.InviteWeeklyLimit = limit;
            if (settings.Status is { } status) account.Status = status;
            if (settings.Fault is { } fault) account.Fault = fault;
            if (settings.Latency is { } latency) account.Latency = latency;
            if (settings.AcceptRate is { } accept) account.AcceptRate = accept;
            if (settings.ReplyRate is { } reply) account.ReplyRate = reply;
            if (settings.AmbiguousCreditRefusals is { } ambiguous) account.Ambiguous = ambiguous;
            if (settings.UnreachableRecipients is { } unreachable) account.Unreachable = [.. unreachable];
            return account.View(accountId);
        }
    }

    public SimulatedAccountView View(string accountId)
    {
        var account = Get(accountId);
        lock (account)
        {
            account.Renew(time.GetUtcNow());
            return account.View(accountId);
        }
    }

    /// <summary>
    /// The account's outcomes with a sequence number of that account's own feed above <paramref name="since"/>,
    /// oldest first, at most <paramref name="limit"/> (the control API's view, API.md §4; not counted).
    /// </summary>
    public IReadOnlyList<SimulatedOutcome> Outcomes(string accountId, long since, int limit)
    {
        var account = Get(accountId);
        lock (account)
        {
            return [.. account.Outcomes.Where(o => o.Seq > since).Take(limit)];
        }
    }

    /// <summary>One account's feed as the provider API serves it (<c>GET /v1/accounts/{id}/outcomes</c>): counted in <see cref="FeedCalls"/>.</summary>
    public IReadOnlyList<SimulatedOutcome> ReadAccountFeed(string accountId, long since, int limit)
    {
        _feed.CountAccountFeedRead();
        return Outcomes(accountId, since, limit);
    }

    /// <summary>Every account's outcomes after <paramref name="since"/> in the provider-wide sequence, oldest first (counted in <see cref="FeedCalls"/>).</summary>
    public IReadOnlyList<SimulatedFeedOutcome> Feed(long since, int limit) => _feed.Read(since, limit);

    /// <summary>How often the feeds were read: a test proves with it that no reader polls account by account.</summary>
    public SimulatedFeedCalls FeedCalls => _feed.Calls;

    /// <summary>The sequence number of the newest entry of the provider-wide feed (0 while empty).</summary>
    public long FeedLastSeq => _feed.LastSeq;

    public Task<ProviderFeedPage> ReadFeedAsync(long since, int limit, CancellationToken cancellationToken)
    {
        var items = Feed(since, limit);
        return Task.FromResult(new ProviderFeedPage([.. items.Select(o => o.ToProvider())], items.Count > 0 ? items[^1].Seq : since));
    }

    /// <summary>Performs one request on the account's model and says how to answer it (shared by both transports).</summary>
    public SimulatedCall Perform(UpstreamRequest request)
    {
        var account = Get(request.AccountId);
        lock (account)
        {
            var answer = account.Handle(request, time.GetUtcNow(), out var rolled);
            if (rolled is not null)
            {
                // Under the account's lock, so the provider-wide feed keeps each account's own order.
                _feed.Append(request.AccountId, rolled);
            }
            return new SimulatedCall(answer, account.Latency);
        }
    }

    public async Task<UpstreamAnswer> SendAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        var call = Perform(request);
        if (call.Answer.Transport == TransportOutcome.TimedOut)
        {
            // In process there is nothing to hold: the caller sees what its own timeout would produce.
            await Task.Yield();
            return call.Answer;
        }
        if (call.Latency > TimeSpan.Zero)
        {
            try
            {
                // Real time on purpose: latency is a property of the wire, not of the simulated calendar.
                await Task.Delay(call.Latency, TimeProvider.System, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return UpstreamAnswer.TimedOut;
            }
        }
        return call.Answer;
    }

    private SimAccount Get(string accountId) => _accounts.GetOrAdd(accountId, _ => new SimAccount());

    private sealed class SimAccount
    {
        public int InMailCredits = MonthlyInMailCredits;
        public int InviteWeeklyLimit = DefaultInviteWeeklyLimit;
        public AccountStatus Status = AccountStatus.Connected;
        public SimulatedFault Fault = SimulatedFault.None;
        public TimeSpan Latency = TimeSpan.Zero;
        public double AcceptRate;
        public double ReplyRate;
        public bool Ambiguous;
        public HashSet<string> Unreachable = [];
        public DateTimeOffset? RenewedFor;
        public readonly Dictionary<ActionType, int> Calls = [];
        public readonly Dictionary<ActionType, int> Delivered = [];
        public readonly HashSet<string> DeliveredKeys = new(StringComparer.Ordinal);
        public readonly Queue<DateTimeOffset> Invites = new();
        public readonly Queue<SimulatedOutcome> Outcomes = new();
        public long LastOutcomeSeq;
        public int DuplicateKeys;

        public void Renew(DateTimeOffset now)
        {
            var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
            if (RenewedFor is null)
            {
                RenewedFor = month;
            }
            else if (month > RenewedFor)
            {
                RenewedFor = month;
                InMailCredits = MonthlyInMailCredits;
            }
        }

        public UpstreamAnswer Handle(UpstreamRequest request, DateTimeOffset now, out SimulatedOutcome? rolled)
        {
            rolled = null;
            Renew(now);
            Calls[request.Action] = Calls.GetValueOrDefault(request.Action) + 1;
            switch (Fault)
            {
                case SimulatedFault.ServerError: return Error(500, WireCodes.ServerError, "Internal error");
                case SimulatedFault.Timeout: return UpstreamAnswer.TimedOut;
                case SimulatedFault.RateLimited: return Error(429, WireCodes.RateLimited, "Too many requests");
                case SimulatedFault.Garbage: return new UpstreamAnswer(200, "<html>upstream proxy says hi");
            }
            if (DeliveredKeys.Contains(request.IdempotencyKey))
            {
                DuplicateKeys++;
            }
            if (Status == AccountStatus.Disconnected) return Error(401, WireCodes.SessionExpired, "Session expired");
            if (Status == AccountStatus.Restricted) return Error(403, WireCodes.AccountRestricted, "Account restricted");
            if (Unreachable.Contains(request.ProspectId))
            {
                return Error(403, request.Action == ActionType.InMail ? WireCodes.InMailDisabled : WireCodes.RecipientUnavailable, "Recipient unavailable");
            }
            if (request.Action == ActionType.InMail)
            {
                if (InMailCredits <= 0)
                {
                    return Ambiguous
                        ? Error(403, WireCodes.InMailRefused, "This member cannot be contacted")
                        : Error(402, WireCodes.NotEnoughCredits, "Not enough credits");
                }
                InMailCredits--;
            }
            if (request.Action == ActionType.Invite)
            {
                while (Invites.Count > 0 && now - Invites.Peek() >= TimeSpan.FromDays(7))
                {
                    Invites.Dequeue();
                }
                if (Invites.Count >= InviteWeeklyLimit)
                {
                    return Error(429, WireCodes.WeeklyInvitationLimit, "You have reached the weekly invitation limit");
                }
                Invites.Enqueue(now);
            }
            Delivered[request.Action] = Delivered.GetValueOrDefault(request.Action) + 1;
            DeliveredKeys.Add(request.IdempotencyKey);
            rolled = RollOutcome(request, now);
            return new UpstreamAnswer(200, JsonSerializer.Serialize(new { result = WireCodes.Delivered, actionId = Guid.NewGuid().ToString("N") }));
        }

        private SimulatedOutcome? RollOutcome(UpstreamRequest request, DateTimeOffset now)
        {
            var (kind, rate) = request.Action switch
            {
                ActionType.Invite => (SimulatedOutcomeKind.Accepted, AcceptRate),
                ActionType.Message or ActionType.InMail => (SimulatedOutcomeKind.Replied, ReplyRate),
                _ => (default(SimulatedOutcomeKind), 0.0),
            };
            // NextDouble is in [0, 1): a rate of 1 always fires, a rate of 0 never does.
            if (rate <= 0 || Random.Shared.NextDouble() >= rate)
            {
                return null;
            }
            var outcome = new SimulatedOutcome(++LastOutcomeSeq, request.ProspectId, kind, request.Action, now, request.IdempotencyKey);
            Outcomes.Enqueue(outcome);
            while (Outcomes.Count > MaxOutcomesKept)
            {
                Outcomes.Dequeue();
            }
            return outcome;
        }

        public SimulatedAccountView View(string id) =>
            new(id, InMailCredits, Status, Fault, new Dictionary<ActionType, int>(Calls), new Dictionary<ActionType, int>(Delivered), DuplicateKeys)
            {
                InviteWeeklyLimit = InviteWeeklyLimit,
                Latency = Latency,
                AcceptRate = AcceptRate,
                ReplyRate = ReplyRate,
                AmbiguousCreditRefusals = Ambiguous,
            };

        private static UpstreamAnswer Error(int status, string code, string message) =>
            new(status, JsonSerializer.Serialize(new { error = code, message }));
    }
}
