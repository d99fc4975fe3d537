using OrleansBreaker.Accounts;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class DispatchTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    private static DispatchCommand Command(string prospect, ActionType action = ActionType.Invite, int step = 0, string campaign = "c1") =>
        new() { CampaignId = campaign, ProspectId = prospect, Step = step, Action = action };

    [Fact]
    public async Task RepeatedIdempotencyKey_ReturnsRecordedOutcome_AndNeverReachesLinkedInAgain()
    {
        await _s.CreateAccountAsync();

        var first = await _s.Account.DispatchAsync(Command("p1"));
        var again = await _s.Account.DispatchAsync(Command("p1"));
        var otherStep = await _s.Account.DispatchAsync(Command("p1", step: 1));

        Assert.Equal(DispatchStatus.Sent, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal(DispatchStatus.Sent, again.Status);
        Assert.True(again.Replayed);
        Assert.Equal(DispatchStatus.Sent, otherStep.Status);
        Assert.False(otherStep.Replayed);
        Assert.Equal(2, _s.LinkedIn.Calls[ActionType.Invite]);
        Assert.Equal(0, _s.LinkedIn.DuplicateKeys);
    }

    [Fact]
    public async Task RepeatedKey_OlderThanTheIntentsKeptInState_IsAnsweredFromTheEventLog()
    {
        await _s.CreateAccountAsync();
        await _s.Account.DispatchAsync(Command("old"));
        // Enough later dispatches that "old" is no longer among the recent intents the grain keeps.
        for (var i = 0; i <= AccountDecider.RecentFinalIntents; i++)
        {
            Assert.Equal(DispatchStatus.Sent, (await _s.Account.DispatchAsync(Command($"later-{i}"))).Status);
        }

        var replay = await _s.Account.DispatchAsync(Command("old"));

        Assert.Equal(DispatchStatus.Sent, replay.Status);
        Assert.True(replay.Replayed);
        Assert.Equal(AccountDecider.RecentFinalIntents + 2, _s.LinkedIn.Calls[ActionType.Invite]);
        Assert.Equal(0, _s.LinkedIn.DuplicateKeys);
    }

    [Fact]
    public async Task OutcomesOfTheLastDispatches_SurviveDeactivation_AsRecorded_NeverAsUnknown()
    {
        // A plain outcome is never written to grain state: the event log holds it in place of the send's
        // claim, so the next activation must answer each key from the log as what it was.
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { UnreachableRecipients = ["gone"] });
        var sent = await _s.Account.DispatchAsync(Command("here"));
        var failed = await _s.Account.DispatchAsync(Command("gone"));

        await fixture.Cluster.DeactivateAsync(_s.Account);
        var sentAgain = await _s.Account.DispatchAsync(Command("here"));
        var failedAgain = await _s.Account.DispatchAsync(Command("gone"));

        Assert.Equal((DispatchStatus.Sent, DispatchStatus.Failed), (sent.Status, failed.Status));
        Assert.Equal((DispatchStatus.Sent, true), (sentAgain.Status, sentAgain.Replayed));
        Assert.Equal((DispatchStatus.Failed, Reason.RecipientUnavailable, true), (failedAgain.Status, failedAgain.Reason, failedAgain.Replayed));
        var view = await _s.Account.GetViewAsync();
        Assert.Equal(0, view.UnknownIntents);
        Assert.Equal(1, view.Usage[ActionType.Invite].Today);
        Assert.Equal(2, _s.LinkedIn.Calls[ActionType.Invite]);
        var unknown = await TestWorld.EventLog.ReadCampaignAsync(_s.Workspace, "c1", new ActivityQuery { Kind = EventKind.Unknown });
        Assert.Empty(unknown.Items);
    }

    [Fact]
    public async Task DailyCapReached_DefersUntilLocalMidnight_ThenResumes()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        await _s.CreateAccountAsync(new AccountSettings
        {
            TimeZone = "Asia/Tokyo",
            Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(2, 100) },
        });
        var invites = await _s.CreateCampaignAsync("invites", [ActionType.Invite], 4);

        await Scenario.DrainAsync(invites);

        Assert.Equal(2, _s.LinkedIn.Calls[ActionType.Invite]); // the deferrals never reached LinkedIn
        var waiting = await invites.GetProspectAsync("p4");
        Assert.Equal(ProspectStatus.Waiting, waiting!.Status);
        Assert.Equal(Reason.CapReached, waiting.Reason);
        var midnight = CapWindows.NextDayStart(TestWorld.Time.GetUtcNow(), zone);
        Assert.Equal(midnight, waiting.ResumeAt);
        var usage = (await _s.Account.GetViewAsync()).Usage[ActionType.Invite];
        Assert.Equal(new UsageView(2, 2, 2, 100), usage);
        Assert.All((await _s.Account.GetViewAsync()).Breakers.Values, b => Assert.Equal(BreakerState.Closed, b.State));

        await Scenario.AdvanceAsync(midnight - TestWorld.Time.GetUtcNow() + TimeSpan.FromSeconds(1), TimeSpan.FromHours(4));
        await Scenario.DrainAsync(invites);

        Assert.Equal(4, (await invites.GetViewAsync()).Counters.Sent);
        Assert.Equal(0, (await invites.GetViewAsync()).Counters.Skipped);
    }

    [Fact]
    public async Task WeeklyInvitationLimit_TripsOnlyTheInviteBreaker_ForSevenDays()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InviteWeeklyLimit = 1 });
        var now = TestWorld.Time.GetUtcNow();

        Assert.Equal(DispatchStatus.Sent, (await _s.Account.DispatchAsync(Command("p1"))).Status);
        var refused = await _s.Account.DispatchAsync(Command("p2"));
        var message = await _s.Account.DispatchAsync(Command("p3", ActionType.Message));

        Assert.Equal(DispatchStatus.Skipped, refused.Status);
        Assert.Equal(Reason.ActionLimitReached, refused.Reason);
        Assert.Equal(now + TimeSpan.FromDays(7), refused.ResumeAt);
        Assert.Equal(DispatchStatus.Sent, message.Status);
        var view = await _s.Account.GetViewAsync();
        Assert.Equal(BreakerState.Open, view.Breakers[ActionType.Invite].State);
        Assert.Equal(OutcomeClass.ActionLimitReached, view.Breakers[ActionType.Invite].Reason);
        Assert.Equal(BreakerState.Closed, view.Breakers[ActionType.Message].State);
    }

    [Fact]
    public async Task DisconnectedAccount_BlocksEveryActionType_WithoutTrippingBreakers()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { Status = AccountStatus.Disconnected });
        var campaign = await _s.CreateCampaignAsync("seq", [ActionType.Invite], 3);

        await Scenario.DrainAsync(campaign);
        var results = new List<DispatchResult>();
        foreach (var action in ActionTypes.All)
        {
            results.Add(await _s.Account.DispatchAsync(Command("x-" + action, action)));
        }

        var view = await _s.Account.GetViewAsync();
        Assert.Equal(AccountStatus.Disconnected, view.Status);
        Assert.All(view.Breakers.Values, b => Assert.Equal(BreakerState.Closed, b.State));
        Assert.All(results, r => Assert.Equal((DispatchStatus.Blocked, Reason.AccountDisconnected), (r.Status, r.Reason)));
        Assert.Equal(1, _s.LinkedIn.Calls.Values.Sum()); // only the call that discovered it
        var prospect = await campaign.GetProspectAsync("p1");
        Assert.Equal((ProspectStatus.Waiting, Reason.AccountDisconnected), (prospect!.Status, prospect.Reason));
        Assert.Equal(0, (await campaign.GetViewAsync()).Counters.Failed);
    }

    [Fact]
    public async Task RestrictedAccount_IsBlockedWithItsOwnReason()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { Status = AccountStatus.Restricted });

        var result = await _s.Account.DispatchAsync(Command("p1", ActionType.Message));

        Assert.Equal((DispatchStatus.Blocked, Reason.AccountRestricted), (result.Status, result.Reason));
        Assert.Equal(AccountStatus.Restricted, (await _s.Account.GetViewAsync()).Status);
    }

    [Fact]
    public async Task TimedOutSend_IsUnknown_AndNeverResentAutomatically()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { Fault = SimulatedFault.Timeout });
        var campaign = await _s.CreateCampaignAsync("c", [ActionType.Message], 1);

        await Scenario.DrainAsync(campaign);
        TestWorld.LinkedIn.Configure(_s.AccountId, new SimulatedAccountSettings { Fault = SimulatedFault.None });
        await Scenario.AdvanceAsync(TimeSpan.FromHours(2), TimeSpan.FromHours(1));
        await Scenario.DrainAsync(campaign);
        var direct = await _s.Account.DispatchAsync(Command("p1", ActionType.Message, campaign: "c"));

        var prospect = await campaign.GetProspectAsync("p1");
        Assert.Equal((ProspectStatus.Unknown, Reason.OutcomeUnknown), (prospect!.Status, prospect.Reason));
        Assert.Equal(DispatchStatus.Unknown, direct.Status);
        Assert.Equal(1, _s.LinkedIn.Calls[ActionType.Message]);
        Assert.Equal(1, (await _s.Account.GetViewAsync()).UnknownIntents);
    }

    [Fact]
    public async Task ServerErrors_AreRetriedWithBackoff_ThenDelivered()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { Fault = SimulatedFault.ServerError });
        var campaign = await _s.CreateCampaignAsync("c", [ActionType.ViewProfile], 1);

        await Scenario.DrainAsync(campaign);
        var waiting = await campaign.GetProspectAsync("p1");
        Assert.Equal((ProspectStatus.Waiting, Reason.UpstreamError), (waiting!.Status, waiting.Reason));
        Assert.Equal(0, await campaign.RunDueAsync()); // backing off, not hammering

        TestWorld.LinkedIn.Configure(_s.AccountId, new SimulatedAccountSettings { Fault = SimulatedFault.None });
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        await Scenario.DrainAsync(campaign);

        Assert.Equal(ProspectStatus.Done, (await campaign.GetProspectAsync("p1"))!.Status);
        Assert.Equal(2, _s.LinkedIn.Calls[ActionType.ViewProfile]);
    }

    [Fact]
    public async Task DisabledActionType_IsBlockedBeforeLinkedIn()
    {
        await _s.CreateAccountAsync(new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.EngagePost] = new(0, 0) } });

        var result = await _s.Account.DispatchAsync(Command("p1", ActionType.EngagePost));

        Assert.Equal((DispatchStatus.Blocked, Reason.ActionDisabled), (result.Status, result.Reason));
        Assert.False(_s.LinkedIn.Calls.ContainsKey(ActionType.EngagePost));
    }

    [Fact]
    public async Task MultiStepSequence_WalksStepsInOrder_ToDone()
    {
        await _s.CreateAccountAsync();
        var campaign = await _s.CreateCampaignAsync("seq", [ActionType.ViewProfile, ActionType.Invite, ActionType.Message], 2);

        await Scenario.DrainAsync(campaign);

        var view = await campaign.GetViewAsync();
        Assert.Equal(6, view.Counters.Sent);
        foreach (var id in new[] { "p1", "p2" })
        {
            var prospect = await campaign.GetProspectAsync(id);
            Assert.Equal((ProspectStatus.Done, 3), (prospect!.Status, prospect.Step));
        }
        Assert.Equal(2, _s.LinkedIn.Delivered[ActionType.Message]);
    }

    [Fact]
    public async Task InvalidTimeZone_IsRejected_AndNothingStoredChanges()
    {
        await _s.CreateAccountAsync(new AccountSettings { TimeZone = "Europe/Paris" });

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _s.Account.ConfigureAsync(new AccountSettings { TimeZone = "Mars/Olympus" }));

        Assert.Contains("Mars/Olympus", ex.Message);
        Assert.Equal("Europe/Paris", (await _s.Account.GetViewAsync()).TimeZone);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class ProspectOutcomeTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    [Fact]
    public async Task AcceptsAndRepliesFromLinkedIn_ReachTheCampaignCounters()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { AcceptRate = 1.0, ReplyRate = 1.0 });
        var campaign = await _s.CreateCampaignAsync("seq", [ActionType.Invite, ActionType.Message], 3);

        await Scenario.DrainAsync(campaign);

        Assert.True(await Scenario.EventuallyAsync(async () =>
        {
            var c = (await campaign.GetViewAsync()).Counters;
            return c.Accepted == 3 && c.Replied == 3;
        }), $"counters: {(await campaign.GetViewAsync()).Counters}");
        var accepted = await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Accepted });
        Assert.Equal(3, accepted.Items.Count);
        Assert.Equal(6, (await campaign.GetViewAsync()).Counters.Sent); // outcomes never count as sends
    }

    [Fact]
    public async Task OutsideWorkingHours_DefersUntilTheyOpen_InTheAccountsZone()
    {
        var now = TestWorld.Time.GetUtcNow();
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var local = TimeZoneInfo.ConvertTime(now, zone);
        // A one-hour window starting three hours from now, local time, every day.
        var opens = TimeOnly.FromDateTime(local.DateTime.AddHours(3));
        await _s.CreateAccountAsync(new AccountSettings
        {
            TimeZone = "Asia/Tokyo",
            WorkingHours = new WorkingHours { Start = opens, End = opens.AddHours(1) },
        });

        var result = await _s.Account.DispatchAsync(new DispatchCommand { CampaignId = "c", ProspectId = "p", Step = 0, Action = ActionType.Message });

        Assert.Equal((DispatchStatus.Deferred, Reason.OutsideWorkingHours), (result.Status, result.Reason));
        Assert.InRange(result.ResumeAt!.Value - now, TimeSpan.FromHours(3) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(3));
        Assert.Empty(_s.LinkedIn.Calls);
    }
}
