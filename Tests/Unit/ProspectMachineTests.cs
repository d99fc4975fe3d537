using System.Globalization;
using OrleansBreaker.Campaigns;

namespace OrleansBreaker.Tests.Unit;

public sealed class ProspectMachineTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2027-03-10T12:00:00Z", CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset Reset = DateTimeOffset.Parse("2027-04-01T00:00:00Z", CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset Trip1 = DateTimeOffset.Parse("2027-03-09T08:00:00Z", CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset Trip2 = DateTimeOffset.Parse("2027-04-01T00:30:00Z", CultureInfo.InvariantCulture);

    private static readonly StepDefinition[] Steps =
    [
        new(ActionType.ViewProfile, DelayMinutes: 0),
        new(ActionType.InMail, DelayMinutes: 60),
        new(ActionType.Message, DelayMinutes: 0),
    ];

    private static ProspectRecord Prospect(int stepIndex = 0) => ProspectMachine.Enrol(new ProspectInput("p1", "https://linkedin.example/in/p1"), Steps, Now) with { StepIndex = stepIndex };

    private static DispatchResult Sent(bool replayed = false) => new() { Status = DispatchStatus.Sent, Outcome = OutcomeClass.Delivered, Replayed = replayed, At = Now };

    private static DispatchResult Skipped(DateTimeOffset tripId, DateTimeOffset? resumeAt = null, Reason reason = Reason.InMailCreditsExhausted) =>
        new() { Status = DispatchStatus.Skipped, Reason = reason, ResumeAt = resumeAt ?? Reset, TripId = tripId, At = Now };

    // ---- Enrol ----

    [Fact]
    public void Enrol_WithoutFirstStepDelay_IsDueNow()
    {
        var p = ProspectMachine.Enrol(new ProspectInput("p1", "url"), Steps, Now);

        Assert.Equal("p1", p.Id);
        Assert.Equal("url", p.ProfileUrl);
        Assert.Equal(0, p.StepIndex);
        Assert.Equal(ProspectStatus.Due, p.Status);
        Assert.Equal(Now, p.WakeAt);
        Assert.True(ProspectMachine.IsDue(p, Now));
        Assert.Equal(0, p.Attempts);
        Assert.Null(p.SkippedTrip);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(90)]
    [InlineData(24 * 60)]
    public void Enrol_HonoursTheFirstStepsDelay(int delayMinutes)
    {
        var p = ProspectMachine.Enrol(new ProspectInput("p1", null), [new(ActionType.Invite, delayMinutes)], Now);

        Assert.Equal(Now.AddMinutes(delayMinutes), p.WakeAt);
        Assert.False(ProspectMachine.IsDue(p, Now.AddMinutes(delayMinutes).AddTicks(-1)));
        Assert.True(ProspectMachine.IsDue(p, Now.AddMinutes(delayMinutes)));
    }

    /// <summary>BRIEF §5: every prospect that is not progressing has a typed reason, "waiting for the step delay" among them.</summary>
    [Fact]
    public void Enrol_WithFirstStepDelay_CarriesTheStepDelayReason()
    {
        var p = ProspectMachine.Enrol(new ProspectInput("p1", null), [new(ActionType.Invite, 30)], Now);

        Assert.Equal((ProspectStatus.Waiting, Reason.StepDelay, Now.AddMinutes(30)), (p.Status, p.Reason, p.ResumeAt));
    }

    [Fact]
    public void Enrol_WithNoSteps_DoesNotThrow()
    {
        Assert.Equal(Now, ProspectMachine.Enrol(new ProspectInput("p1", null), [], Now).WakeAt);
    }

    // ---- Sent ----

    [Fact]
    public void Sent_AdvancesToTheNextStepAndHonoursItsDelay()
    {
        var (next, effect) = ProspectMachine.Apply(Prospect(0) with { Attempts = 3 }, Sent(), Steps, Now);

        Assert.Equal(1, next.StepIndex);
        Assert.Equal(ProspectStatus.Waiting, next.Status); // waiting for the step delay, with its typed reason and resume time
        Assert.Equal(Reason.StepDelay, next.Reason);
        Assert.Equal(Now.AddMinutes(60), next.ResumeAt);
        Assert.Equal(Now.AddMinutes(60), next.WakeAt);
        Assert.Equal(0, next.Attempts);
        Assert.False(ProspectMachine.IsDue(next, Now.AddMinutes(59)));
        Assert.True(ProspectMachine.IsDue(next, Now.AddMinutes(60)));
        Assert.Equal(new ProspectEffect(CountSent: true, EmitSkip: false, CountFailed: false), effect);
    }

    [Fact]
    public void Sent_ToAStepWithoutDelay_IsDueNowWithoutReason()
    {
        var (next, _) = ProspectMachine.Apply(Prospect(1), Sent(), Steps, Now);

        Assert.Equal(2, next.StepIndex);
        Assert.Equal(Reason.None, next.Reason);
        Assert.True(ProspectMachine.IsDue(next, Now));
    }

    [Fact]
    public void Sent_OnTheLastStep_IsDoneAndCounts()
    {
        var (next, effect) = ProspectMachine.Apply(Prospect(2), Sent(), Steps, Now);

        Assert.Equal(ProspectStatus.Done, next.Status);
        Assert.Equal(2, next.StepIndex);
        Assert.Equal(Reason.None, next.Reason);
        Assert.Null(next.WakeAt);
        Assert.Null(next.ResumeAt);
        Assert.True(effect.CountSent);
        Assert.False(ProspectMachine.IsDue(next, Now.AddYears(10)));
    }

    [Fact]
    public void Sent_ThroughAllSteps_CountsEachOnceAndEndsDone()
    {
        var p = Prospect(0);
        var sent = 0;
        var t = Now;
        for (var i = 0; i < Steps.Length; i++)
        {
            Assert.True(ProspectMachine.IsDue(p, t.AddHours(2)));
            t = t.AddHours(2);
            (p, var effect) = ProspectMachine.Apply(p, Sent(), Steps, t);
            sent += effect.CountSent ? 1 : 0;
        }

        Assert.Equal(ProspectStatus.Done, p.Status);
        Assert.Equal(Steps.Length, sent);
    }

    [Fact]
    public void Sent_Replayed_AdvancesAndCounts_BecauseTheCampaignNeverRecordedIt()
    {
        var (next, effect) = ProspectMachine.Apply(Prospect(0), Sent(replayed: true), Steps, Now);

        Assert.Equal(1, next.StepIndex);
        Assert.True(effect.CountSent);
    }

    [Fact]
    public void Sent_ReplayedOnTheLastStep_IsDoneAndCounted()
    {
        var (next, effect) = ProspectMachine.Apply(Prospect(2), Sent(replayed: true), Steps, Now);

        Assert.Equal(ProspectStatus.Done, next.Status);
        Assert.True(effect.CountSent);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    public void StepsShortened_PastTheNewLastStep_IsDoneOnItsLastStep(int stepIndex, int newCount)
    {
        var next = ProspectMachine.StepsChanged(Prospect(stepIndex), newCount);

        Assert.Equal(stepIndex < newCount ? ProspectStatus.Due : ProspectStatus.Done, next.Status);
        Assert.InRange(next.StepIndex, 0, newCount - 1);
        if (next.Status == ProspectStatus.Done)
        {
            Assert.Null(next.WakeAt); // never looked at again
        }
    }

    [Fact]
    public void StepsShortened_OnAStepThatStillExists_KeepsItsState()
    {
        var waiting = Prospect(1) with { Status = ProspectStatus.Waiting, Reason = Reason.CapReached, ResumeAt = Reset, WakeAt = Reset };

        Assert.Same(waiting, ProspectMachine.StepsChanged(waiting, 2));
    }

    // ---- Skipped ----

    [Fact]
    public void Skipped_KeepsTheStepAndWaitsForTheBreakerWithItsReasonAndResumeTime()
    {
        var p = Prospect(1) with { Attempts = 0 };

        var (next, effect) = ProspectMachine.Apply(p, Skipped(Trip1), Steps, Now);

        Assert.Equal(1, next.StepIndex);
        Assert.Equal(ProspectStatus.Waiting, next.Status);
        Assert.Equal(Reason.InMailCreditsExhausted, next.Reason);
        Assert.Equal(Reset, next.ResumeAt);
        Assert.Equal(p.Id, next.Id);
        Assert.Equal(p.ProfileUrl, next.ProfileUrl);
        Assert.True(effect.EmitSkip);
        Assert.False(effect.CountSent);
        Assert.False(effect.CountFailed);
    }

    [Fact]
    public void Skipped_WakesAfterTheResumeInstantAsAFallback()
    {
        var (next, _) = ProspectMachine.Apply(Prospect(1), Skipped(Trip1, Reset), Steps, Now);

        Assert.NotNull(next.WakeAt);
        Assert.True(next.WakeAt > Reset, $"{next.WakeAt:o} is not after the reset");
        Assert.True(next.WakeAt >= Reset + ResetCalendarJitterBound, "the fallback must not beat the jittered resume");
        Assert.False(ProspectMachine.IsDue(next, Reset));
        Assert.True(ProspectMachine.IsDue(next, Reset + ProspectMachine.BreakerFallback));
    }

    private static readonly TimeSpan ResetCalendarJitterBound = OrleansBreaker.Accounts.ResetCalendar.MaxJitter;

    [Fact]
    public void Skipped_WithResumeInThePastOrMissing_LooksAgainSoonNotNever()
    {
        var (past, _) = ProspectMachine.Apply(Prospect(1), Skipped(Trip1, Now.AddMinutes(-5)), Steps, Now);
        var (missing, _) = ProspectMachine.Apply(Prospect(1), new DispatchResult { Status = DispatchStatus.Skipped, Reason = Reason.InMailCreditsExhausted, TripId = Trip1 }, Steps, Now);

        Assert.True(past.WakeAt > Now);
        Assert.True(missing.WakeAt > Now);
        Assert.True(past.WakeAt <= Now.AddMinutes(10));
        Assert.True(missing.WakeAt <= Now.AddMinutes(10));
    }

    [Fact]
    public void Skipped_TwiceForTheSameTrip_EmitsOneSkip()
    {
        var (once, first) = ProspectMachine.Apply(Prospect(1), Skipped(Trip1), Steps, Now);
        var (twice, second) = ProspectMachine.Apply(once, Skipped(Trip1), Steps, Now.AddMinutes(11));

        Assert.True(first.EmitSkip);
        Assert.False(second.EmitSkip);
        Assert.Equal(1, twice.StepIndex);
    }

    [Fact]
    public void Skipped_ManyRetryTicksForTheSameTrip_EmitExactlyOneSkip()
    {
        var p = Prospect(1);
        var emitted = 0;
        for (var i = 0; i < 50; i++)
        {
            (p, var effect) = ProspectMachine.Apply(p, Skipped(Trip1), Steps, Now.AddMinutes(i * 11));
            emitted += effect.EmitSkip ? 1 : 0;
        }

        Assert.Equal(1, emitted);
    }

    [Fact]
    public void Skipped_ForANewTrip_EmitsAgain()
    {
        var (once, _) = ProspectMachine.Apply(Prospect(1), Skipped(Trip1), Steps, Now);

        var (_, effect) = ProspectMachine.Apply(once, Skipped(Trip2, Reset.AddMonths(1)), Steps, Trip2);

        Assert.True(effect.EmitSkip);
    }

    [Fact]
    public void Skipped_SameTripOnALaterStep_EmitsAgain()
    {
        var tripId = Trip1;
        var (skipped, _) = ProspectMachine.Apply(Prospect(0), Skipped(tripId, reason: Reason.ActionLimitReached), Steps, Now);
        var cleared = ProspectMachine.BreakerCleared(skipped, Now.AddHours(1));
        var (advanced, _) = ProspectMachine.Apply(cleared, Sent(), Steps, Now.AddHours(1));
        Assert.Equal(1, advanced.StepIndex);

        var (_, effect) = ProspectMachine.Apply(advanced, Skipped(tripId), Steps, Now.AddHours(2));

        Assert.True(effect.EmitSkip);
    }

    [Fact]
    public void Skipped_AfterBreakerClearedAndSkippedAgainForTheSameTrip_DoesNotEmitAgain()
    {
        // A clear notification that raced with a stale read of the same trip must not duplicate the skip event.
        var (skipped, _) = ProspectMachine.Apply(Prospect(1), Skipped(Trip1), Steps, Now);
        var woken = ProspectMachine.BreakerCleared(skipped, Now.AddMinutes(1));

        var (_, effect) = ProspectMachine.Apply(woken, Skipped(Trip1), Steps, Now.AddMinutes(1));

        Assert.False(effect.EmitSkip);
    }

    [Fact]
    public void Skipped_NeverCountsSentOrFailed()
    {
        var p = Prospect(1);
        foreach (var trip in new[] { Trip1, Trip1, Trip2, Trip2 })
        {
            (p, var effect) = ProspectMachine.Apply(p, Skipped(trip), Steps, Now);
            Assert.False(effect.CountSent);
            Assert.False(effect.CountFailed);
        }
    }

    // ---- Deferred / Blocked ----

    [Fact]
    public void Deferred_WaitsUntilResumeAt()
    {
        var until = Now.AddHours(5);

        var (next, effect) = ProspectMachine.Apply(Prospect(1), new DispatchResult { Status = DispatchStatus.Deferred, Reason = Reason.CapReached, ResumeAt = until }, Steps, Now);

        Assert.Equal(ProspectStatus.Waiting, next.Status);
        Assert.Equal(Reason.CapReached, next.Reason);
        Assert.Equal(until, next.ResumeAt);
        Assert.Equal(until, next.WakeAt);
        Assert.Equal(1, next.StepIndex);
        Assert.False(ProspectMachine.IsDue(next, until.AddTicks(-1)));
        Assert.True(ProspectMachine.IsDue(next, until));
        Assert.Equal(default, effect);
    }

    [Fact]
    public void Deferred_WithoutResumeAt_LooksAgainLater()
    {
        var (next, _) = ProspectMachine.Apply(Prospect(1), new DispatchResult { Status = DispatchStatus.Deferred, Reason = Reason.Pacing }, Steps, Now);

        Assert.Equal(Now + ProspectMachine.BlockedRecheck, next.WakeAt);
    }

    [Theory]
    [InlineData(Reason.StorageUnavailable, 15)]
    [InlineData(Reason.AccountDisconnected, 300)]
    [InlineData(Reason.SafetyMode, 15)]
    public void Blocked_WaitsWithItsReasonAndLooksAgain(Reason reason, int recheckSeconds)
    {
        var (next, effect) = ProspectMachine.Apply(Prospect(1), new DispatchResult { Status = DispatchStatus.Blocked, Reason = reason }, Steps, Now);

        Assert.Equal(ProspectStatus.Waiting, next.Status);
        Assert.Equal(reason, next.Reason);
        Assert.Equal(1, next.StepIndex);
        Assert.Equal(Now.AddSeconds(recheckSeconds), next.WakeAt);
        Assert.Equal(default, effect);
    }

    // ---- Retry ----

    [Fact]
    public void Retry_BacksOffExponentiallyFromOneMinuteCappedAtOneHour()
    {
        var p = Prospect(1);
        var delays = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            (p, var effect) = ProspectMachine.Apply(p, new DispatchResult { Status = DispatchStatus.Retry, Reason = Reason.UpstreamError }, Steps, Now);
            delays.Add((p.WakeAt!.Value - Now).TotalMinutes);
            Assert.Equal(p.WakeAt, p.ResumeAt);
            Assert.Equal(default, effect);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60, 60], delays);
        Assert.Equal(10, p.Attempts);
        Assert.Equal(1, p.StepIndex);
        Assert.Equal(ProspectStatus.Waiting, p.Status);
        Assert.Equal(Reason.UpstreamError, p.Reason);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(63)]
    [InlineData(1000)]
    [InlineData(int.MaxValue - 1)]
    public void Retry_AfterManyAttempts_StaysAtTheCap(int attempts)
    {
        var (next, _) = ProspectMachine.Apply(Prospect(1) with { Attempts = attempts }, new DispatchResult { Status = DispatchStatus.Retry, Reason = Reason.RateLimited }, Steps, Now);

        Assert.Equal(Now.AddHours(1), next.WakeAt);
    }

    [Fact]
    public void Retry_ThenSent_ResetsTheAttempts()
    {
        var (retried, _) = ProspectMachine.Apply(Prospect(0), new DispatchResult { Status = DispatchStatus.Retry, Reason = Reason.RateLimited }, Steps, Now);
        var (sent, _) = ProspectMachine.Apply(retried, Sent(), Steps, Now.AddMinutes(1));

        Assert.Equal(0, sent.Attempts);
    }

    // ---- Failed / Unknown ----

    [Fact]
    public void Failed_IsTerminalAndCountsOnce()
    {
        var (next, effect) = ProspectMachine.Apply(Prospect(1), new DispatchResult { Status = DispatchStatus.Failed, Reason = Reason.RecipientUnavailable }, Steps, Now);

        Assert.Equal(ProspectStatus.Failed, next.Status);
        Assert.Equal(Reason.RecipientUnavailable, next.Reason);
        Assert.Null(next.WakeAt);
        Assert.True(effect.CountFailed);
        Assert.False(effect.CountSent);
        Assert.False(effect.EmitSkip);
        Assert.False(ProspectMachine.IsDue(next, Now));
        Assert.False(ProspectMachine.IsDue(next, DateTimeOffset.MaxValue));
    }

    [Fact]
    public void Failed_Replayed_IsCounted_BecauseTheProspectStillStoodAtTheStep()
    {
        var (_, effect) = ProspectMachine.Apply(Prospect(1), new DispatchResult { Status = DispatchStatus.Failed, Reason = Reason.RecipientUnavailable, Replayed = true }, Steps, Now);

        Assert.True(effect.CountFailed);
    }

    [Fact]
    public void Unknown_IsTerminalWithOutcomeUnknownAndNeverDueAgain()
    {
        var (next, effect) = ProspectMachine.Apply(Prospect(1), new DispatchResult { Status = DispatchStatus.Unknown, Reason = Reason.UpstreamError }, Steps, Now);

        Assert.Equal(ProspectStatus.Unknown, next.Status);
        Assert.Equal(Reason.OutcomeUnknown, next.Reason);
        Assert.Equal(1, next.StepIndex);
        Assert.Null(next.WakeAt);
        Assert.Null(next.ResumeAt);
        Assert.Equal(default, effect);
        foreach (var later in new[] { Now, Now.AddMinutes(1), Now.AddYears(5), DateTimeOffset.MaxValue })
        {
            Assert.False(ProspectMachine.IsDue(next, later));
        }
    }

    [Fact]
    public void Unknown_IsNotWokenByABreakerClearing()
    {
        var (unknown, _) = ProspectMachine.Apply(Prospect(1), new DispatchResult { Status = DispatchStatus.Unknown }, Steps, Now);

        var after = ProspectMachine.BreakerCleared(unknown, Now.AddHours(1));

        Assert.Same(unknown, after);
        Assert.False(ProspectMachine.IsDue(after, DateTimeOffset.MaxValue));
    }

    // ---- IsDue ----

    [Theory]
    [InlineData(ProspectStatus.Due, true)]
    [InlineData(ProspectStatus.Waiting, true)]
    [InlineData(ProspectStatus.Done, false)]
    [InlineData(ProspectStatus.Failed, false)]
    [InlineData(ProspectStatus.Unknown, false)]
    public void IsDue_OnlyForDueOrWaitingWhoseWakeHasCome(ProspectStatus status, bool expected)
    {
        var p = Prospect(0) with { Status = status, WakeAt = Now };

        Assert.Equal(expected, ProspectMachine.IsDue(p, Now));
        Assert.False(ProspectMachine.IsDue(p, Now.AddTicks(-1)));
    }

    [Fact]
    public void IsDue_WithoutWakeAt_IsFalse()
    {
        Assert.False(ProspectMachine.IsDue(Prospect(0) with { WakeAt = null }, DateTimeOffset.MaxValue));
    }

    // ---- BreakerCleared ----

    [Theory]
    [InlineData(Reason.InMailCreditsExhausted)]
    [InlineData(Reason.ActionLimitReached)]
    public void BreakerCleared_MakesBreakerWaitingProspectsDueNow(Reason reason)
    {
        var (waiting, _) = ProspectMachine.Apply(Prospect(1), Skipped(Trip1, reason: reason), Steps, Now);
        var clearedAt = Now.AddHours(3);

        var woken = ProspectMachine.BreakerCleared(waiting, clearedAt);

        Assert.Equal(ProspectStatus.Due, woken.Status);
        Assert.Equal(Reason.None, woken.Reason);
        Assert.Null(woken.ResumeAt);
        Assert.Equal(clearedAt, woken.WakeAt);
        Assert.Equal(1, woken.StepIndex);
        Assert.True(ProspectMachine.IsDue(woken, clearedAt));
    }

    [Theory]
    [InlineData(Reason.CapReached)]
    [InlineData(Reason.SafetyMode)]
    [InlineData(Reason.AccountDisconnected)]
    [InlineData(Reason.OutsideWorkingHours)]
    [InlineData(Reason.UpstreamError)]
    public void BreakerCleared_LeavesOtherWaitingProspectsUntouched(Reason reason)
    {
        var p = Prospect(1) with { Status = ProspectStatus.Waiting, Reason = reason, ResumeAt = Now.AddHours(5), WakeAt = Now.AddHours(5) };

        Assert.Same(p, ProspectMachine.BreakerCleared(p, Now));
    }

    [Theory]
    [InlineData(ProspectStatus.Done)]
    [InlineData(ProspectStatus.Failed)]
    [InlineData(ProspectStatus.Unknown)]
    [InlineData(ProspectStatus.Due)]
    public void BreakerCleared_LeavesNonWaitingProspectsUntouched(ProspectStatus status)
    {
        var p = Prospect(1) with { Status = status, Reason = Reason.InMailCreditsExhausted };

        Assert.Same(p, ProspectMachine.BreakerCleared(p, Now));
    }
}
