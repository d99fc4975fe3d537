namespace OrleansBreaker.Tests.Unit;

public sealed class ActivityTextTests
{
    [Fact]
    public void InMailSkipText_IsExactlyWhatTheHelpArticlePromises()
    {
        Assert.Equal("Skipped: account InMail credits exhausted", ActivityText.InMailCreditsExhaustedSkip);
    }

    [Fact]
    public void For_SkippedOnInMailCredits_IsTheExactPromisedText()
    {
        Assert.Equal("Skipped: account InMail credits exhausted", ActivityText.For(EventKind.Skipped, Reason.InMailCreditsExhausted, ActionType.InMail));
    }

    [Fact]
    public void For_SkippedOnActionLimit_NamesTheAction()
    {
        Assert.Equal("Skipped: account Invite limit reached", ActivityText.For(EventKind.Skipped, Reason.ActionLimitReached, ActionType.Invite));
    }

    [Theory]
    [InlineData(EventKind.Sent, Reason.None, ActionType.InMail, "Sent: InMail")]
    [InlineData(EventKind.BreakerCleared, Reason.None, ActionType.InMail, "Breaker cleared: InMail")]
    [InlineData(EventKind.Failed, Reason.CircuitBreaker, ActionType.Message, "Failed: circuit breaker (temporary safety mode)")]
    [InlineData(EventKind.Unknown, Reason.OutcomeUnknown, ActionType.InMail, "Outcome unknown: InMail was not re-sent")]
    public void For_OtherKinds_ReadAsExpected(EventKind kind, Reason reason, ActionType action, string expected)
    {
        Assert.Equal(expected, ActivityText.For(kind, reason, action));
    }
}
