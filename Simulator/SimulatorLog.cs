using OrleansBreaker.Upstream;

namespace OrleansBreaker.Simulator;

internal static partial class SimulatorLog
{
    public const string Category = "OrleansBreaker.Simulator";

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Account {AccountId} set: inMailCredits {Credits}, inviteWeeklyLimit {InviteLimit}, status {Status}, fault {Fault}, latency {LatencyMs} ms, acceptRate {AcceptRate}, replyRate {ReplyRate}")]
    public static partial void AccountConfigured(ILogger logger, string accountId, int credits, int inviteLimit, AccountStatus status, SimulatedFault fault, long latencyMs, double acceptRate, double replyRate);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Account {AccountId}: {Action} {IdempotencyKey} -> HTTP {Status}")]
    public static partial void Answered(ILogger logger, string accountId, ActionType action, string idempotencyKey, int status);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Account {AccountId}: {Action} {IdempotencyKey} held without an answer (fault Timeout)")]
    public static partial void Holding(ILogger logger, string accountId, ActionType action, string idempotencyKey);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Account {AccountId}: {Action} {IdempotencyKey} was performed, but the caller gave up during the latency")]
    public static partial void CallerGaveUp(ILogger logger, string accountId, ActionType action, string idempotencyKey);
}
