namespace OrleansBreaker.Accounts;

internal sealed partial class AccountGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Account {Account}: {Action} to {Prospect} answered {Class} ({Code})")]
    private partial void LogUpstreamAnswer(string account, ActionType action, string prospect, OutcomeClass @class, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: breaker {Action} TRIPPED ({Reason}); resumes at {ResumeAt:u} (short re-arm: {ReArmed})")]
    private partial void LogTripped(string account, ActionType action, OutcomeClass reason, DateTimeOffset? resumeAt, bool reArmed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Account {Account}: {Action} to {Prospect} skipped, breaker open until {ResumeAt:u}")]
    private partial void LogSkipped(string account, ActionType action, string prospect, DateTimeOffset? resumeAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {Account}: breaker {Action} resumed at its reset ({ResumeAt:u}); next {Action} is a probe")]
    private partial void LogResumed(string account, ActionType action, DateTimeOffset? resumeAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {Account}: breaker {Action} cleared: {Why}")]
    private partial void LogCleared(string account, ActionType action, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: status now {Status} ({Code}); nothing dispatches until it is reconnected")]
    private partial void LogStatusChanged(string account, AccountStatus status, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: the claim of {IdempotencyKey} could not be given back; the key reads as an interrupted send (Unknown) unless claimed by its outcome")]
    private partial void LogClaimNotReleased(string account, string idempotencyKey, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: intent {IdempotencyKey} could not be persisted; not sent")]
    private partial void LogIntentNotPersisted(string account, string idempotencyKey, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Account {Account}: outcome could not be persisted; it will be resolved from the event log")]
    private partial void LogOutcomeNotPersisted(string account, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: event log unavailable; {Count} events kept in the outbox")]
    private partial void LogEventLogUnavailable(string account, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: intent {IdempotencyKey} was left unresolved by a crash; marked Unknown, not re-sent")]
    private partial void LogIntentUnknown(string account, string idempotencyKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: upstream call {IdempotencyKey} threw; outcome treated as unknown")]
    private partial void LogUpstreamThrew(string account, string idempotencyKey, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: could not report to the workspace safety mode")]
    private partial void LogSafetyReportFailed(string account, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: an accept/reply for {Prospect} matched no campaign prospect ({Why})")]
    private partial void LogOutcomeUnmatched(string account, string prospect, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: could not look up {IdempotencyKey} in the event log before a skip; skipped without it")]
    private partial void LogReplayLookupFailed(string account, string idempotencyKey, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {Account}: reminder operation failed; will retry")]
    private partial void LogReminderFailed(string account, Exception ex);
}
