using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Unit;

/// <summary>
/// The in-process LinkedIn stand-in, with every answer run through the real <see cref="UpstreamClassifier"/>:
/// the simulator and the classifier must agree on the wire format.
/// </summary>
public sealed class SimulatedLinkedInTests
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private readonly FakeTimeProvider _time = new(At("2027-03-10T12:00:00Z"));
    private readonly SimulatedLinkedIn _sim;
    private int _next;

    public SimulatedLinkedInTests() => _sim = new SimulatedLinkedIn(_time);

    private async Task<(UpstreamAnswer Answer, UpstreamVerdict Verdict)> Send(ActionType action, string account = "acc", string? prospect = null, string? key = null)
    {
        var n = Interlocked.Increment(ref _next);
        var request = new UpstreamRequest(account, action, prospect ?? $"p{n}", null, key ?? $"cmp/p{n}/0");
        var answer = await _sim.SendAsync(request, CancellationToken.None);
        return (answer, UpstreamClassifier.Classify(action, answer));
    }

    // ---- InMail credits ----

    [Fact]
    public async Task InMail_WithCredits_IsDeliveredAndDecrementsCredits()
    {
        var (answer, verdict) = await Send(ActionType.InMail);

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(OutcomeClass.Delivered, verdict.Class);
        Assert.Equal(SimulatedLinkedIn.MonthlyInMailCredits - 1, _sim.View("acc").InMailCredits);
    }

    [Fact]
    public async Task InMail_AfterCreditsRunOut_AnswersNotEnoughCredits402AndClassifiesAsCreditsExhausted()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 2 });

        var first = await Send(ActionType.InMail);
        var second = await Send(ActionType.InMail);
        var third = await Send(ActionType.InMail);

        Assert.Equal(OutcomeClass.Delivered, first.Verdict.Class);
        Assert.Equal(OutcomeClass.Delivered, second.Verdict.Class);
        Assert.Equal(402, third.Answer.StatusCode);
        Assert.Contains(WireCodes.NotEnoughCredits, third.Answer.Body);
        Assert.Equal(OutcomeClass.CreditsExhausted, third.Verdict.Class);
        Assert.False(third.Verdict.Ambiguous);
        Assert.Equal(0, _sim.View("acc").InMailCredits);
    }

    [Fact]
    public async Task InMail_FullMonthlyAllowance_IsFiftyThenRefused()
    {
        var delivered = 0;
        for (var i = 0; i < SimulatedLinkedIn.MonthlyInMailCredits; i++)
        {
            delivered += (await Send(ActionType.InMail)).Verdict.Class == OutcomeClass.Delivered ? 1 : 0;
        }

        Assert.Equal(50, delivered);
        Assert.Equal(OutcomeClass.CreditsExhausted, (await Send(ActionType.InMail)).Verdict.Class);
    }

    [Fact]
    public async Task InMail_OutOfCreditsWithAmbiguousRefusals_AnswersInMailRefusedAndClassifiesAsAmbiguous()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 0, AmbiguousCreditRefusals = true });

        var (answer, verdict) = await Send(ActionType.InMail);

        Assert.Equal(403, answer.StatusCode);
        Assert.Contains(WireCodes.InMailRefused, answer.Body);
        Assert.Equal(OutcomeClass.RecipientUnavailable, verdict.Class);
        Assert.True(verdict.Ambiguous);
    }

    [Fact]
    public async Task InMail_OutOfCredits_DoesNotAffectOtherActions()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 0 });

        Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.Invite)).Verdict.Class);
        Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.Message)).Verdict.Class);
        Assert.Equal(0, _sim.View("acc").InMailCredits);
    }

    [Fact]
    public async Task InMailCredits_RenewToFiftyWhenTheClockCrossesTheFirstOfTheMonthUtc()
    {
        _time.SetUtcNow(At("2027-03-31T23:59:00Z"));
        _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 0 });

        Assert.Equal(OutcomeClass.CreditsExhausted, (await Send(ActionType.InMail)).Verdict.Class);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(OutcomeClass.CreditsExhausted, (await Send(ActionType.InMail)).Verdict.Class);
        Assert.Equal(0, _sim.View("acc").InMailCredits);

        _time.Advance(TimeSpan.FromSeconds(1)); // 2027-04-01T00:00:00Z

        Assert.Equal(50, _sim.View("acc").InMailCredits);
        Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.InMail)).Verdict.Class);
        Assert.Equal(49, _sim.View("acc").InMailCredits);
    }

    [Fact]
    public async Task InMailCredits_DoNotRenewAgainWithinTheSameMonth()
    {
        _time.SetUtcNow(At("2027-04-01T00:00:00Z"));
        _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 1 });
        await Send(ActionType.InMail);

        _time.Advance(TimeSpan.FromDays(29)); // 2027-04-30, still April

        Assert.Equal(0, _sim.View("acc").InMailCredits);
        Assert.Equal(OutcomeClass.CreditsExhausted, (await Send(ActionType.InMail)).Verdict.Class);
    }

    [Fact]
    public async Task InMailCredits_RenewAcrossTheYearEnd()
    {
        _time.SetUtcNow(At("2027-12-31T23:59:59Z"));
        _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 0 });

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.InMail)).Verdict.Class);
    }

    // ---- Weekly invitation limit ----

    [Fact]
    public async Task Invite_AfterTheWeeklyLimit_Answers429WeeklyInvitationLimitAndClassifiesAsActionLimitReached()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { InviteWeeklyLimit = 3 });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.Invite)).Verdict.Class);
            _time.Advance(TimeSpan.FromHours(1));
        }

        var (answer, verdict) = await Send(ActionType.Invite);

        Assert.Equal(429, answer.StatusCode);
        Assert.Contains(WireCodes.WeeklyInvitationLimit, answer.Body);
        Assert.Equal(OutcomeClass.ActionLimitReached, verdict.Class);
    }

    [Fact]
    public async Task Invite_WeeklyLimit_FreesUpSevenDaysAfterTheOldestInviteAndNotBefore()
    {
        var start = _time.GetUtcNow();
        _sim.Configure("acc", new SimulatedAccountSettings { InviteWeeklyLimit = 2 });
        await Send(ActionType.Invite);
        _time.Advance(TimeSpan.FromDays(1));
        await Send(ActionType.Invite);

        _time.SetUtcNow(start + TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.Equal(OutcomeClass.ActionLimitReached, (await Send(ActionType.Invite)).Verdict.Class);

        _time.SetUtcNow(start + TimeSpan.FromDays(7));
        Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.Invite)).Verdict.Class);
        // The second invite of day 1 still holds the other slot.
        Assert.Equal(OutcomeClass.ActionLimitReached, (await Send(ActionType.Invite)).Verdict.Class);
    }

    [Fact]
    public async Task Invite_RefusedAttempts_DoNotTakeASlotOfTheWeeklyLimit()
    {
        var start = _time.GetUtcNow();
        _sim.Configure("acc", new SimulatedAccountSettings { InviteWeeklyLimit = 1 });
        await Send(ActionType.Invite);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromDays(1));
            Assert.Equal(OutcomeClass.ActionLimitReached, (await Send(ActionType.Invite)).Verdict.Class);
        }

        _time.SetUtcNow(start + TimeSpan.FromDays(7));

        Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.Invite)).Verdict.Class);
    }

    // ---- Faults ----

    [Fact]
    public async Task ServerErrorFault_Answers500AndClassifiesAsUpstreamErrorWithCertainOutcome()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { Fault = SimulatedFault.ServerError });

        var (answer, verdict) = await Send(ActionType.InMail);

        Assert.Equal(500, answer.StatusCode);
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.False(verdict.OutcomeUncertain);
    }

    [Fact]
    public async Task RateLimitedFault_Answers429AndClassifiesAsRateLimited()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { Fault = SimulatedFault.RateLimited });

        var (answer, verdict) = await Send(ActionType.Invite);

        Assert.Equal(429, answer.StatusCode);
        Assert.Equal(OutcomeClass.RateLimited, verdict.Class);
    }

    [Fact]
    public async Task TimeoutFault_TimesOutAndClassifiesAsUncertainUpstreamError()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { Fault = SimulatedFault.Timeout });

        var (answer, verdict) = await Send(ActionType.InMail);

        Assert.Equal(TransportOutcome.TimedOut, answer.Transport);
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
    }

    [Fact]
    public async Task GarbageFault_Answers200NonJsonAndClassifiesAsUncertainUpstreamError()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { Fault = SimulatedFault.Garbage });

        var (answer, verdict) = await Send(ActionType.Message);

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
    }

    [Theory]
    [InlineData(SimulatedFault.ServerError)]
    [InlineData(SimulatedFault.RateLimited)]
    [InlineData(SimulatedFault.Timeout)]
    [InlineData(SimulatedFault.Garbage)]
    public async Task Faults_NeitherDeliverNorSpendCredits(SimulatedFault fault)
    {
        _sim.Configure("acc", new SimulatedAccountSettings { Fault = fault, InMailCredits = 5 });

        var (_, verdict) = await Send(ActionType.InMail);

        var view = _sim.View("acc");
        Assert.NotEqual(OutcomeClass.Delivered, verdict.Class);
        Assert.Equal(5, view.InMailCredits);
        Assert.Equal(1, view.Calls.GetValueOrDefault(ActionType.InMail));
        Assert.Equal(0, view.Delivered.GetValueOrDefault(ActionType.InMail));
    }

    [Fact]
    public async Task ClearingTheFault_DeliversAgain()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { Fault = SimulatedFault.ServerError });
        await Send(ActionType.Invite);

        _sim.Configure("acc", new SimulatedAccountSettings { Fault = SimulatedFault.None });

        Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.Invite)).Verdict.Class);
    }

    // ---- Account status ----

    [Fact]
    public async Task DisconnectedAccount_Answers401SessionExpiredAndClassifiesAsAccountDisconnected()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { Status = AccountStatus.Disconnected });

        var (answer, verdict) = await Send(ActionType.Invite);

        Assert.Equal(401, answer.StatusCode);
        Assert.Contains(WireCodes.SessionExpired, answer.Body);
        Assert.Equal(OutcomeClass.AccountDisconnected, verdict.Class);
    }

    [Fact]
    public async Task RestrictedAccount_AnswersAccountRestrictedAndClassifiesAsAccountRestricted()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { Status = AccountStatus.Restricted });

        var (answer, verdict) = await Send(ActionType.InMail);

        Assert.Contains(WireCodes.AccountRestricted, answer.Body);
        Assert.Equal(OutcomeClass.AccountRestricted, verdict.Class);
        Assert.Equal(SimulatedLinkedIn.MonthlyInMailCredits, _sim.View("acc").InMailCredits);
    }

    [Theory]
    [InlineData(ActionType.InMail, WireCodes.InMailDisabled)]
    [InlineData(ActionType.Invite, WireCodes.RecipientUnavailable)]
    [InlineData(ActionType.Message, WireCodes.RecipientUnavailable)]
    public async Task UnreachableRecipient_ClassifiesAsRecipientUnavailableNotAmbiguous(ActionType action, string code)
    {
        _sim.Configure("acc", new SimulatedAccountSettings { UnreachableRecipients = ["gone"] });

        var (answer, verdict) = await Send(action, prospect: "gone");

        Assert.Contains(code, answer.Body);
        Assert.Equal(OutcomeClass.RecipientUnavailable, verdict.Class);
        Assert.False(verdict.Ambiguous);
        Assert.Equal(OutcomeClass.Delivered, (await Send(action, prospect: "here")).Verdict.Class);
    }

    // ---- Counters ----

    [Fact]
    public async Task RepeatedDeliveredKey_IsCountedAsDuplicate()
    {
        await Send(ActionType.Invite, key: "cmp/p1/0");
        await Send(ActionType.Invite, key: "cmp/p2/0");
        Assert.Equal(0, _sim.View("acc").DuplicateKeys);

        await Send(ActionType.Invite, key: "cmp/p1/0");

        Assert.Equal(1, _sim.View("acc").DuplicateKeys);
    }

    [Fact]
    public async Task RepeatedKeyThatWasNeverDelivered_IsNotADuplicate()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 0 });
        await Send(ActionType.InMail, key: "cmp/p1/1");
        await Send(ActionType.InMail, key: "cmp/p1/1");

        Assert.Equal(0, _sim.View("acc").DuplicateKeys);
    }

    [Fact]
    public async Task Counters_SeparateCallsFromDeliveries()
    {
        _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 2 });
        for (var i = 0; i < 5; i++)
        {
            await Send(ActionType.InMail);
        }
        await Send(ActionType.Message);

        var view = _sim.View("acc");

        Assert.Equal("acc", view.Id);
        Assert.Equal(5, view.Calls[ActionType.InMail]);
        Assert.Equal(2, view.Delivered[ActionType.InMail]);
        Assert.Equal(1, view.Calls[ActionType.Message]);
        Assert.Equal(1, view.Delivered[ActionType.Message]);
        Assert.False(view.Calls.ContainsKey(ActionType.Invite));
    }

    [Fact]
    public async Task Accounts_AreIndependent()
    {
        _sim.Configure("a", new SimulatedAccountSettings { InMailCredits = 0, Fault = SimulatedFault.None });

        Assert.Equal(OutcomeClass.CreditsExhausted, (await Send(ActionType.InMail, account: "a")).Verdict.Class);
        Assert.Equal(OutcomeClass.Delivered, (await Send(ActionType.InMail, account: "b")).Verdict.Class);
        Assert.Equal(SimulatedLinkedIn.MonthlyInMailCredits - 1, _sim.View("b").InMailCredits);
    }

    [Fact]
    public void Configure_ReturnsTheUpdatedView()
    {
        var view = _sim.Configure("acc", new SimulatedAccountSettings { InMailCredits = 7, Status = AccountStatus.Restricted, Fault = SimulatedFault.Garbage });

        Assert.Equal(7, view.InMailCredits);
        Assert.Equal(AccountStatus.Restricted, view.Status);
        Assert.Equal(SimulatedFault.Garbage, view.Fault);
    }
}
