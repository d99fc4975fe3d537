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

/// <summary>Settings of one simulated account; null fields keep their value.</summary>
public sealed record SimulatedAccountSettings
{
    public int? InMailCredits { get; init; }
    public int? InviteWeeklyLimit { get; init; }
    public AccountStatus? Status { get; init; }
    public SimulatedFault? Fault { get; init; }
    /// <summary>When out of credits, answer with LinkedIn's ambiguous refusal instead of "Not enough credits".</summary>
    public bool? AmbiguousCreditRefusals { get; init; }
    /// <summary>Prospects that cannot receive anything on this account.</summary>
    public IReadOnlyCollection<string>? UnreachableRecipients { get; init; }
}

/// <summary>A snapshot of one simulated account, in the shape of API.md §4.</summary>
public sealed record SimulatedAccountView(
    string Id, int InMailCredits, AccountStatus Status, SimulatedFault Fault,
    IReadOnlyDictionary<ActionType, int> Calls, IReadOnlyDictionary<ActionType, int> Delivered, int DuplicateKeys);

/// <summary>
/// A LinkedIn stand-in living in the silo's process (the embedded default and the tests): per-account
/// InMail credits renewing to 50 on the 1st of each month 00:00 UTC, a rolling weekly invitation limit,
/// account status, injected faults and LinkedIn's ambiguous InMail refusal. It answers in the same wire
/// format as the HTTP simulator, so the real classifier runs on every answer.
/// </summary>
public sealed class SimulatedLinkedIn(TimeProvider time) : ILinkedInUpstream
{
    public const int MonthlyInMailCredits = 50;
    public const int DefaultInviteWeeklyLimit = 100;

    private readonly ConcurrentDictionary<string, SimAccount> _accounts = new(StringComparer.Ordinal);

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

    public async Task<UpstreamAnswer> SendAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        var account = Get(request.AccountId);
        UpstreamAnswer answer;
        lock (account)
        {
            answer = account.Handle(request, time.GetUtcNow());
        }
        if (answer.Transport == TransportOutcome.TimedOut)
        {
            await Task.Yield();
        }
        return answer;
    }

    private SimAccount Get(string accountId) => _accounts.GetOrAdd(accountId, _ => new SimAccount());

    private sealed class SimAccount
    {
        public int InMailCredits = MonthlyInMailCredits;
        public int InviteWeeklyLimit = DefaultInviteWeeklyLimit;
        public AccountStatus Status = AccountStatus.Connected;
        public SimulatedFault Fault = SimulatedFault.None;
        public bool Ambiguous;
        public HashSet<string> Unreachable = [];
        public DateTimeOffset? RenewedFor;
        public readonly Dictionary<ActionType, int> Calls = [];
        public readonly Dictionary<ActionType, int> Delivered = [];
        public readonly HashSet<string> DeliveredKeys = new(StringComparer.Ordinal);
        public readonly Queue<DateTimeOffset> Invites = new();
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

        public UpstreamAnswer Handle(UpstreamRequest request, DateTimeOffset now)
        {
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
            return new UpstreamAnswer(200, JsonSerializer.Serialize(new { result = WireCodes.Delivered, actionId = Guid.NewGuid().ToString("N") }));
        }

        public SimulatedAccountView View(string id) =>
            new(id, InMailCredits, Status, Fault, new Dictionary<ActionType, int>(Calls), new Dictionary<ActionType, int>(Delivered), DuplicateKeys);

        private static UpstreamAnswer Error(int status, string code, string message) =>
            new(status, JsonSerializer.Serialize(new { error = code, message }));
    }
}
