namespace OrleansBreaker.Campaigns;

internal sealed partial class CampaignGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: dispatch of {Prospect} failed before reaching LinkedIn; will retry")]
    private partial void LogDispatchFailed(string campaign, string prospect, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: pool account {Account} could not be read; the pool keeps what it knew of it")]
    private partial void LogSeatUnreadable(string campaign, string account, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {Campaign}: {Count} prospects due again after the {Action} breaker cleared")]
    private partial void LogWoken(string campaign, int count, ActionType action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: event log unavailable; {Count} events kept in the outbox")]
    private partial void LogEventLogUnavailable(string campaign, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: state could not be written; it and its {Count} events are kept in memory and written before the next dispatch")]
    private partial void LogStateNotWritten(string campaign, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: {Count} prospect changes are stored with the campaign but not yet in the prospect store; written before the next dispatch")]
    private partial void LogProspectsNotWritten(string campaign, int count, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: {Count} prospects were changed by another activation; this one deactivates and the next reads them afresh")]
    private partial void LogProspectsOvertaken(string campaign, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {Campaign}: moved {Count} prospects from the campaign state into the prospect store")]
    private partial void LogMigrated(string campaign, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: a {Kind} for {Prospect}, who is not in the campaign, was dropped")]
    private partial void LogOutcomeUnmatched(string campaign, string prospect, EventKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: the prospect store is unreachable; a read was answered 'storage unavailable'")]
    private partial void LogStoreUnreachable(string campaign, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {Campaign}: dispatch run failed")]
    private partial void LogTickFailed(string campaign, Exception ex);
}
