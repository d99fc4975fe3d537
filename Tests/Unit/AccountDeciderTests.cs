using OrleansBreaker.Accounts;
using OrleansBreaker.Hosting;
using OrleansBreaker.Safety;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Unit;

/// <summary>
/// The account's rules without a cluster: each dispatch step in BRIEF §8's order, each upstream verdict's
/// state, events and effects, the reminder ticks and outside events (BRIEF §4, §5, §7, §12).
/// </summary>
public sealed class AccountDeciderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly SafetyView Closed = new() { State = SafetyState.Closed, Settings = SafetySettings.Default };
    private static readonly UpstreamVerdict Delivered = new(OutcomeClass.Delivered, "200");
    private static readonly UpstreamVerdict NoCredits = new(OutcomeClass.CreditsExhausted, "NOT_ENOUGH_CREDITS");
    private readonly AccountState _state = new() { Exists = true, Status = AccountStatus.Connected };
    private readonly DispatchOptions _options = new();
    private int _prospects;

    private AccountDecider NewAccount()
    {
        var account = new AccountDecider("ws", "a1", _state, _options);
        account.Recount([], T0);
        return account;
    }

    private DispatchCommand Command(ActionType action = ActionType.InMail, string campaign = "c1") =>
        new() { CampaignId = campaign, ProspectId = $"p{++_prospects}", Step = 0, Action = action };

    /// <summary>Every step of a dispatch, as the grain runs them; null: it would call LinkedIn.</summary>
    private static DispatchResult? Check(AccountDecider account, DispatchCommand command, DateTimeOffset now, SafetyView? safety = null)
    {
        if (account.Answer(command, now) is { } answer)
        {
            return answer;
        }
        var gate = account.Pass(command, safety ?? Closed, now);
        return gate.Kind switch
        {
            GateKind.Refuse => gate.Refusal,
            GateKind.Skip => account.Skip(command, now).Result,
            _ => account.Admit(command, now),
        };
    }

    private static (DispatchResult Result, Effects Effects) Send(AccountDecider account, DispatchCommand command, UpstreamVerdict verdict, DateTimeOffset now, bool probe = false)
    {
        Assert.Null(Check(account, command, now));
        account.BeginSend(command, now);
        return account.Apply(command, verdict, now, TimeSpan.Zero, probe);
    }

    [Fact]
    public void AKeyStillHeld_IsReplayed_BeforeAnyCheck_EvenOnADisconnectedAccount()
    {
        var account = NewAccount();
        var command = Command();
        Send(account, command, Delivered, T0);
        _state.Status = AccountStatus.Disconnected;

        var replay = account.Answer(command, T0.AddMinutes(1));

        Assert.Equal((DispatchStatus.Sent, true, T0), (replay!.Status, replay.Replayed, replay.At));
    }

    [Theory]
    [InlineData(false, AccountStatus.Connected, Reason.AccountDisconnected)]
    [InlineData(true, AccountStatus.Disconnected, Reason.AccountDisconnected)]
    [InlineData(true, AccountStatus.Restricted, Reason.AccountRestricted)]
    public void AnAccountThatCannotSend_IsBlockedWithItsStatus(bool exists, AccountStatus status, Reason reason)
    {
        (_state.Exists, _state.Status) = (exists, status);

        var result = NewAccount().Answer(Command(), T0);

        Assert.Equal((DispatchStatus.Blocked, reason), (result!.Status, result.Reason));
    }

    [Fact]
    public void AnOpenSafetyMode_BlocksUntilItsResume_BeforeTheBreakerIsAsked()
    {
        var account = NewAccount();
        Send(account, Command(), NoCredits, T0);

        var gate = account.Pass(Command(), new SafetyView { State = SafetyState.Open, ResumeAt = T0.AddMinutes(15), Settings = SafetySettings.Default }, T0);

        Assert.Equal((GateKind.Refuse, DispatchStatus.Blocked, Reason.SafetyMode, T0.AddMinutes(15)),
            (gate.Kind, gate.Refusal!.Status, gate.Refusal.Reason, gate.Refusal.ResumeAt));
    }

    [Fact]
    public void NotEnoughCredits_TripsInMailUntilTheFirstOfNextMonth_WritesNow_AndRegistersReminders()
    {
        var account = NewAccount();
        var command = Command();

        var (result, effects) = Send(account, command, NoCredits, T0);

        var resumeAt = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal((DispatchStatus.Skipped, Reason.InMailCreditsExhausted, resumeAt, T0), (result.Status, result.Reason, result.ResumeAt, result.TripId));
        Assert.Equal((BreakerState.Open, resumeAt), (_state.Breaker(ActionType.InMail).State, _state.Breaker(ActionType.InMail).ResumeAt));
        Assert.Equal((StateWrite.Now, true), (effects.Write, effects.EnsureReminders));
        Assert.Equal([EventKind.BreakerTripped], effects.Events.Select(e => e.Kind));
        Assert.IsType<TrippedNote>(Assert.Single(effects.Notes));
        Assert.False(_state.Intents.ContainsKey(command.Key));
        Assert.Equal([command.Key], effects.Release); // LinkedIn did not send it: the key may go out after the reset
        Assert.Equal(["c1"], _state.WaitingCampaigns[ActionType.InMail]);
    }

    [Fact]
    public void ATrippedInMail_SkipsInMail_AndLetsInvitesThrough()
    {
        var account = NewAccount();
        Send(account, Command(), NoCredits, T0);

        var skipped = Check(account, Command(campaign: "c2"), T0.AddMinutes(1));
        var invite = Check(account, Command(ActionType.Invite), T0.AddMinutes(1));

        Assert.Equal((DispatchStatus.Skipped, Reason.InMailCreditsExhausted), (skipped!.Status, skipped.Reason));
        Assert.Null(invite);
        Assert.Equal(["c1", "c2"], _state.WaitingCampaigns[ActionType.InMail].Order());
    }

    [Fact]
    public void ASkip_WritesTheWaitingCampaignOnce_AndFailsTheCallIfItCannot()
    {
        var account = NewAccount();
        Send(account, Command(), NoCredits, T0);

        var first = account.Skip(Command(campaign: "c2"), T0);
        var again = account.Skip(Command(campaign: "c2"), T0);

        Assert.Equal(StateWrite.NowOrFail, first.Effects!.Write);
        Assert.Null(again.Effects);
    }

    [Fact]
    public void AResumeDueBeforeItsReminder_HappensInTheDispatch_AndTheSendIsTheProbe_WhoseSuccessClears()
    {
        var account = NewAccount();
        Send(account, Command(), NoCredits, T0);
        var after = new DateTimeOffset(2027, 1, 1, 0, 1, 0, TimeSpan.Zero);

        var gate = account.Pass(Command(), Closed, after);

        Assert.Equal(GateKind.Pass, gate.Kind);
        Assert.Equal(BreakerState.Probing, _state.Breaker(ActionType.InMail).State);
        Assert.Equal(StateWrite.Now, gate.Effects!.Write);
        Assert.Equal([ActionType.InMail], gate.Effects.DropReminders);
        Assert.Equal("c1", Assert.Single(Assert.Single(gate.Effects.Cleared).Campaigns));
        Assert.IsType<ResumedNote>(Assert.Single(gate.Effects.Notes));

        var probe = Command();
        account.BeginSend(probe, after);
        var (result, effects) = account.Apply(probe, Delivered, after, TimeSpan.Zero, probe: false);
        Assert.Equal(DispatchStatus.Sent, result.Status);
        Assert.Equal(BreakerState.Closed, _state.Breaker(ActionType.InMail).State);
        Assert.Equal(StateWrite.Now, effects.Write);
        Assert.Equal([EventKind.Sent, EventKind.BreakerCleared], effects.Events.Select(e => e.Kind));
    }

    [Fact]
    public void APlainDelivery_WritesNoState_CountsTowardTheCap_AndSetsTheNextPacingSlot()
    {
        _options.MinInterval = TimeSpan.FromSeconds(30);
        var account = NewAccount();
        var command = Command(ActionType.Invite);
        Assert.Null(Check(account, command, T0));
        account.BeginSend(command, T0);

        var (result, effects) = account.Apply(command, Delivered, T0, TimeSpan.FromSeconds(2), probe: false);

        Assert.Equal((DispatchStatus.Sent, T0.AddSeconds(32)), (result.Status, result.NextSendAt));
        Assert.Equal((StateWrite.None, null, 0), (effects.Write, effects.Safety, effects.Release.Count));
        Assert.Equal((EventKind.Sent, command.Key), (effects.Events[0].Kind, effects.Events[0].Key));
        Assert.Equal(IntentStatus.Sent, _state.Intents[command.Key].Status);
        Assert.Equal(1, account.View(T0).Usage[ActionType.Invite].Today);
        var paced = Check(account, Command(ActionType.Invite), T0.AddSeconds(10));
        Assert.Equal((DispatchStatus.Deferred, Reason.Pacing, T0.AddSeconds(32)), (paced!.Status, paced.Reason, paced.ResumeAt));
    }

    [Fact]
    public void ARecipientUnavailable_FailsThatProspect_AndWritesNoState()
    {
        var account = NewAccount();
        var command = Command(ActionType.Message);

        var (result, effects) = Send(account, command, new UpstreamVerdict(OutcomeClass.RecipientUnavailable, "404"), T0);

        Assert.Equal((DispatchStatus.Failed, Reason.RecipientUnavailable, StateWrite.None), (result.Status, result.Reason, effects.Write));
        Assert.Equal(IntentStatus.Failed, _state.Intents[command.Key].Status);
    }

    [Fact]
    public void AmbiguousInMailRefusals_FromTwoDistinctRecipients_TripTheBreaker()
    {
        var account = NewAccount();
        var ambiguous = new UpstreamVerdict(OutcomeClass.RecipientUnavailable, "INMAIL_NOT_ALLOWED", Ambiguous: true);

        var first = Send(account, Command(), ambiguous, T0);
        var second = Send(account, Command(), ambiguous, T0.AddMinutes(5));

        Assert.Equal((DispatchStatus.Failed, StateWrite.Now), (first.Result.Status, first.Effects.Write));
        Assert.Equal((DispatchStatus.Skipped, BreakerState.Open), (second.Result.Status, _state.Breaker(ActionType.InMail).State));
    }

    [Theory]
    [InlineData(OutcomeClass.AccountDisconnected, AccountStatus.Disconnected, Reason.AccountDisconnected)]
    [InlineData(OutcomeClass.AccountRestricted, AccountStatus.Restricted, Reason.AccountRestricted)]
    public void ADisconnectedOrRestrictedAnswer_ChangesTheStatus_AndStopsEveryAction(OutcomeClass answer, AccountStatus status, Reason reason)
    {
        var account = NewAccount();

        var (result, effects) = Send(account, Command(), new UpstreamVerdict(answer, "401"), T0);

        Assert.Equal((DispatchStatus.Blocked, reason, status, StateWrite.Now), (result.Status, result.Reason, _state.Status, effects.Write));
        Assert.Equal([EventKind.AccountStatusChanged], effects.Events.Select(e => e.Kind));
        Assert.Equal(reason, Check(account, Command(ActionType.Invite), T0)!.Reason);
    }

    [Fact]
    public void AnUncertainOutcome_IsUnknown_NeverResent_WrittenNow_AndCountedByTheCap()
    {
        _state.Limits[ActionType.InMail] = new CapLimits(1, 10);
        var account = NewAccount();
        var command = Command();

        var (result, effects) = Send(account, command, new UpstreamVerdict(OutcomeClass.UpstreamError, "timeout", OutcomeUncertain: true), T0);

        Assert.Equal((DispatchStatus.Unknown, StateWrite.Now), (result.Status, effects.Write));
        Assert.Equal((DispatchStatus.Unknown, true), (account.Answer(command, T0)!.Status, account.Answer(command, T0)!.Replayed));
        Assert.Equal(Reason.CapReached, Check(account, Command(), T0.AddMinutes(1))!.Reason);
    }

    [Fact]
    public void ATransientError_IsReportedToTheSafetyMode_AndBecomesACircuitBreakerFailureWhenItOpens()
    {
        var account = NewAccount();
        var command = Command(ActionType.Invite);

        var (result, effects) = Send(account, command, new UpstreamVerdict(OutcomeClass.RateLimited, "429"), T0);

        Assert.Equal((DispatchStatus.Retry, Reason.RateLimited), (result.Status, result.Reason));
        Assert.False(_state.Intents.ContainsKey(command.Key));
        Assert.Equal([command.Key], effects.Release);
        Assert.Equal(("a1", OutcomeClass.RateLimited), (effects.Safety!.Error!.AccountId, effects.Safety.Error.Outcome));
        var open = new SafetyView { State = SafetyState.Open, ResumeAt = T0.AddMinutes(15), Settings = SafetySettings.Default };
        Assert.Equal((DispatchStatus.Failed, Reason.CircuitBreaker), (AccountDecider.AfterSafetyReport(result, open).Status, AccountDecider.AfterSafetyReport(result, open).Reason));
        Assert.Equal(result, AccountDecider.AfterSafetyReport(result, Closed));
    }

    [Fact]
    public void AHalfOpenProbe_ReportsItsOutcome_NotAnError()
    {
        var account = NewAccount();

        var (_, effects) = Send(account, Command(ActionType.Invite), Delivered, T0, probe: true);

        Assert.Equal(new SafetyReport(true, null), effects.Safety);
    }

    [Fact]
    public void ASendClaimsItsKey_AndAKeyHeldByAnOutcome_IsAnsweredAsRecorded_WithoutSending()
    {
        var account = NewAccount();
        var command = Command();
        Assert.Null(Check(account, command, T0));

        var claim = account.BeginSend(command, T0);
        var outcome = new EventRecord { At = T0.AddMinutes(-5), Kind = EventKind.Sent, WorkspaceId = "ws", AccountId = "a1", Action = ActionType.InMail, Key = command.Key };
        var (answer, effects) = account.Held(command, outcome, T0);

        Assert.Equal((EventKind.Claimed, command.Key, "c1", ActionType.InMail), (claim.Kind, claim.Key, claim.CampaignId, claim.Action));
        Assert.Equal((DispatchStatus.Sent, true, T0.AddMinutes(-5)), (answer.Status, answer.Replayed, answer.At));
        Assert.Null(effects);
        Assert.False(_state.Intents.ContainsKey(command.Key));
    }

    [Fact]
    public void AKeyClaimedBySendInFlightElsewhere_IsNotSentHere_ButAClaimOlderThanAnySend_IsUnknown()
    {
        var account = NewAccount();
        var command = Command();
        var claim = account.BeginSend(command, T0);

        var inFlight = account.Held(command, claim, T0.AddSeconds(5));
        account.BeginSend(command, T0.AddMinutes(2));
        var (stale, effects) = account.Held(command, claim, T0.AddMinutes(2));

        Assert.Equal((DispatchStatus.Blocked, Reason.StorageUnavailable), (inFlight.Result.Status, inFlight.Result.Reason));
        Assert.Null(inFlight.Effects);
        Assert.Equal((DispatchStatus.Unknown, Reason.OutcomeUnknown), (stale.Status, stale.Reason));
        Assert.Equal((EventKind.Unknown, command.Key, StateWrite.Now), (effects!.Events.Single().Kind, effects.Events.Single().Key, effects.Write));
        Assert.Equal(IntentStatus.Unknown, _state.Intents[command.Key].Status);
    }

    [Fact]
    public void AClaimACrashLeft_IsUnknown_CountedByTheCap_AndNeverSentAgain()
    {
        _state.Limits[ActionType.InMail] = new CapLimits(1, 10);
        var account = NewAccount();
        var command = Command();
        var claim = new EventRecord
        {
            At = T0, Kind = EventKind.Claimed, WorkspaceId = "ws", AccountId = "a1", Action = ActionType.InMail,
            CampaignId = "c1", ProspectId = command.ProspectId, Key = command.Key,
        };

        var unknown = account.Interrupted(claim, T0.AddMinutes(1));

        Assert.Equal((EventKind.Unknown, command.Key, Reason.OutcomeUnknown), (unknown.Kind, unknown.Key, unknown.Reason));
        Assert.Equal((DispatchStatus.Unknown, true), (account.Answer(command, T0.AddMinutes(1))!.Status, account.Answer(command, T0.AddMinutes(1))!.Replayed));
        Assert.Equal(Reason.CapReached, Check(account, Command(), T0.AddMinutes(1))!.Reason);
    }

    [Fact]
    public void TheLocalChecks_RefuseInOrder_DisabledThenCapThenWarmUpThenHoursThenPacing()
    {
        _state.Limits[ActionType.Invite] = new CapLimits(0, 100);
        Assert.Equal((DispatchStatus.Blocked, Reason.ActionDisabled), Refusal(NewAccount()));

        _state.Limits[ActionType.Invite] = new CapLimits(1, 100);
        var account = NewAccount();
        Send(account, Command(ActionType.Invite), Delivered, T0);
        Assert.Equal((DispatchStatus.Deferred, Reason.CapReached), Refusal(account));

        // Day 1 of a 10-day warm-up: a fifth of the daily 5, which the one delivery already used.
        _state.Limits[ActionType.Invite] = new CapLimits(5, 100);
        _state.WarmUp = new WarmUp(10, T0);
        Assert.Equal((DispatchStatus.Deferred, Reason.WarmUp), Refusal(account));

        _state.WarmUp = null;
        _state.WorkingHours = new WorkingHours { Start = new TimeOnly(9, 0), End = new TimeOnly(10, 0), Days = [DayOfWeek.Wednesday] };
        Assert.Equal((DispatchStatus.Deferred, Reason.OutsideWorkingHours), Refusal(account));

        (DispatchStatus, Reason) Refusal(AccountDecider a) => Check(a, Command(ActionType.Invite), T0) is { } r ? (r.Status, r.Reason) : default;
    }

    [Fact]
    public void CampaignsSharingAPacedAccount_TakeTurns_TheOneRefusedFirstHoldsTheNextSlot()
    {
        _options.MinInterval = TimeSpan.FromSeconds(10);
        var account = NewAccount();
        Send(account, Command(ActionType.Invite, "single"), Delivered, T0);
        Assert.Equal(Reason.Pacing, Check(account, Command(ActionType.Invite, "pool"), T0.AddSeconds(5))!.Reason);

        var held = Check(account, Command(ActionType.Invite, "single"), T0.AddSeconds(10));

        Assert.Equal((DispatchStatus.Deferred, Reason.Pacing), (held!.Status, held.Reason));
        Assert.Null(Check(account, Command(ActionType.Invite, "pool"), T0.AddSeconds(10.5)));
    }

    [Fact]
    public void ReminderTicks_TidyWhenClosed_ResumeWhenDue_LookForSuccessHourly_AndReregisterAnEarlyReset()
    {
        var account = NewAccount();
        Assert.Equal(ReminderStepKind.Tidy, account.OnReminder(ReminderKind.Reset, ActionType.InMail, T0).Kind);
        Send(account, Command(), NoCredits, T0);

        var recheck = account.OnReminder(ReminderKind.Recheck, ActionType.InMail, T0.AddHours(1));
        Assert.Equal((ReminderStepKind.LookForSuccess, Breaker.EvidenceSince(T0)), (recheck.Kind, recheck.Since));
        Assert.Equal(ReminderStepKind.Reregister, account.OnReminder(ReminderKind.Reset, ActionType.InMail, T0.AddHours(1)).Kind);

        var reset = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        // The hourly re-check resumes only once this account's jittered instant has passed.
        Assert.Equal(ReminderStepKind.LookForSuccess, account.OnReminder(ReminderKind.Recheck, ActionType.InMail, reset + account.ResetJitter - TimeSpan.FromMilliseconds(1)).Kind);
        var resumed = account.OnReminder(ReminderKind.Reset, ActionType.InMail, reset);
        Assert.Equal((ReminderStepKind.Resumed, BreakerState.Probing), (resumed.Kind, _state.Breaker(ActionType.InMail).State));
    }

    [Fact]
    public void ASuccessFoundByTheRecheck_ClearsTheBreaker_ButOneDatedInTheFutureDoesNot()
    {
        var account = NewAccount();
        Send(account, Command(), NoCredits, T0);
        var success = new EventRecord { At = T0.AddMinutes(30), Kind = EventKind.Sent, WorkspaceId = "ws", AccountId = "a1", Action = ActionType.InMail };

        Assert.Null(account.SuccessFound(ActionType.InMail, success with { At = T0.AddHours(2) }, T0.AddHours(1)));
        var cleared = account.SuccessFound(ActionType.InMail, success, T0.AddHours(1));

        Assert.Equal(BreakerState.Closed, _state.Breaker(ActionType.InMail).State);
        Assert.Equal(StateWrite.Now, cleared!.Write);
        Assert.Equal([ActionType.InMail], cleared.DropReminders);
        Assert.IsType<ClearedNote>(Assert.Single(cleared.Notes));
    }

    [Fact]
    public void APendingIntent_ResolvesFromTheLog_OrBecomesUnknownWithAnEvent()
    {
        var account = NewAccount();
        var (sent, lost) = (Command(), Command());
        account.BeginSend(sent, T0);
        account.BeginSend(lost, T0);
        var logged = new EventRecord { At = T0, Kind = EventKind.Sent, WorkspaceId = "ws", AccountId = "a1", Action = ActionType.InMail, Key = sent.Key };

        Assert.Equal(2, account.Pending().Count);
        Assert.Null(account.Resolve(_state.Intents[sent.Key], logged, T0.AddMinutes(1)));
        var unknown = account.Resolve(_state.Intents[lost.Key], null, T0.AddMinutes(1));

        Assert.Equal((EventKind.Unknown, lost.Key, Reason.OutcomeUnknown), (unknown!.Kind, unknown.Key, unknown.Reason));
        Assert.Equal((IntentStatus.Sent, IntentStatus.Unknown), (_state.Intents[sent.Key].Status, _state.Intents[lost.Key].Status));
        Assert.Empty(account.Pending());
    }

    [Fact]
    public void IntentsInState_AreBounded_ToTheLatestFinalOnes_PlusPendingAndUnknown()
    {
        var account = NewAccount();
        for (var i = 0; i < AccountDecider.RecentFinalIntents + 5; i++)
        {
            Send(account, Command(ActionType.ViewProfile), Delivered, T0.AddSeconds(i));
        }
        var pending = Command(ActionType.ViewProfile);
        account.BeginSend(pending, T0.AddMinutes(1));

        Assert.Equal(AccountDecider.RecentFinalIntents + 1, _state.Intents.Count);
        Assert.Equal(IntentStatus.Pending, _state.Intents[pending.Key].Status);
    }

    [Fact]
    public void AnOutsideEvent_BeyondTheClockSkew_IsRefused_WithinItIsDatedNow_AndTheSameEventHasOneKey()
    {
        var account = NewAccount();
        var evt = new ExternalEvent { Kind = EventKind.Sent, Action = ActionType.InMail, At = T0.AddMinutes(3), ProspectId = "p9" };

        Assert.Throws<ArgumentException>(() => account.External(evt with { At = T0.AddMinutes(6) }, T0));
        var (at, key) = account.External(evt, T0);

        Assert.Equal(T0, at);
        Assert.Equal(key, account.External(evt with { At = T0.AddMinutes(1) }, T0).Key);
    }

    [Fact]
    public void AnInMailSentFromOutside_ClearsTheTrippedBreaker_AndTellsTheWaitingCampaigns()
    {
        var account = NewAccount();
        Send(account, Command(), NoCredits, T0);

        var effects = account.ExternalSent(ActionType.InMail, T0.AddMinutes(10), T0.AddMinutes(11));

        Assert.Equal(BreakerState.Closed, _state.Breaker(ActionType.InMail).State);
        Assert.Equal("c1", Assert.Single(Assert.Single(effects!.Cleared).Campaigns));
        Assert.Null(account.ExternalSent(ActionType.InMail, T0.AddMinutes(12), T0.AddMinutes(12)));
    }

    [Fact]
    public void SettingsThatCannotApply_AreRefusedBeforeAnythingChanges()
    {
        _state.Exists = false;
        var account = NewAccount();

        Assert.Throws<ArgumentException>(() => account.Validate(new AccountSettings { TimeZone = "Europe/Paris", WarmUpDays = WarmUp.MaxDays + 1 }));
        Assert.Throws<ArgumentException>(() => account.Validate(new AccountSettings { TimeZone = "Mars/Olympus" }));
        Assert.Throws<ArgumentException>(() => account.Validate(new AccountSettings { ResetDay = 32 }));

        Assert.Equal((false, "UTC", null), (_state.Exists, _state.TimeZone, _state.WarmUp));
    }

    [Fact]
    public void TheRemindersFollowTheState_TwoPerOpenBreaker_AndTheirNamesRoundTrip()
    {
        var account = NewAccount();
        Assert.Empty(AccountReminders.For(_state, TimeSpan.Zero, T0));
        Send(account, Command(), NoCredits, T0);

        var reminders = AccountReminders.For(_state, TimeSpan.FromMinutes(2), T0).ToList();

        Assert.Equal(["reset:InMail", "recheck:InMail"], reminders.Select(r => r.Name));
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 2, 0, TimeSpan.Zero) - T0, reminders[0].Due);
        Assert.Equal((AccountReminders.RecheckPeriod, AccountReminders.RecheckPeriod), (reminders[1].Due, reminders[1].Period));
        Assert.True(AccountReminders.TryParse("recheck:InMail", out var kind, out var action));
        Assert.Equal((ReminderKind.Recheck, ActionType.InMail), (kind, action));
        Assert.False(AccountReminders.TryParse("other:InMail", out _, out _));
        Assert.False(AccountReminders.TryParse("reset:Nothing", out _, out _));
    }
}
