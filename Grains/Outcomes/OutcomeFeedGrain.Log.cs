namespace OrleansBreaker.Outcomes;

internal sealed partial class OutcomeFeedGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Outcome feed {Feed}: reading from cursor {Cursor} every {Interval}")]
    private partial void LogStarted(string feed, long cursor, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome feed {Feed}: cursor moved from {From} to {To} by request; outcomes read again count once")]
    private partial void LogRewound(string feed, long from, long to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome feed {Feed}: entry {Seq} ({Kind} of {Prospect} on account {Account}) skipped: {Problem}")]
    private partial void LogSkipped(string feed, long seq, string account, string prospect, EventKind kind, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome feed {Feed}: entry {Seq} could not be handed to campaign {Campaign}; read again next time")]
    private partial void LogHandOverFailed(string feed, long seq, string campaign, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome feed {Feed}: read after cursor {Cursor} failed; read again next time")]
    private partial void LogReadFailed(string feed, long cursor, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome feed {Feed}: cursor {Cursor} not written; written with the next page")]
    private partial void LogCursorNotWritten(string feed, long cursor, Exception ex);
}
