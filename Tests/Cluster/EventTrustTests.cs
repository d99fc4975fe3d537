using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// What the account and the campaign take from the event log and from outside: nothing they know about a
/// key is missed before a send, no future-dated row decides anything, and events are counted once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EventTrustTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset FarFuture = new(2099, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Scenario _s = new(fixture.Grains);

    private static DispatchCommand Command(string prospect, ActionType action = ActionType.ViewProfile) =>
        new() { CampaignId = "c", ProspectId = prospect, Step = 0, Action = action };

    [Fact]
    public async Task SentWaitingInTheOutbox_IsFoundBeforeASend_AfterItsIntentWasPruned()
    {
        await _s.CreateAccountAsync();
        using (TestWorld.EventLog.RefuseAppendsFor(_s.AccountId))
        {
            Assert.Equal(DispatchStatus.Sent, (await _s.Account.DispatchAsync(Command("first"))).Status);
            // More final intents than the account keeps: "first" is pruned from its intents, its Sent only in the outbox.
            for (var i = 0; i < 12; i++)
            {
                TestWorld.Time.Advance(TimeSpan.FromSeconds(1)); // later intents are newer: the oldest go first
                Assert.Equal(DispatchStatus.Sent, (await _s.Account.DispatchAsync(Command($"later-{i}"))).Status);
            }

            var again = await _s.Account.DispatchAsync(Command("first"));

            Assert.True(again.Replayed, $"re-dispatching an outboxed key answered {again.Status} without replaying it");
            Assert.Equal(DispatchStatus.Sent, again.Status);
        }
        Assert.Equal(0, _s.LinkedIn.DuplicateKeys);
        Assert.Equal(13, _s.LinkedIn.Delivered[ActionType.ViewProfile]);
    }

    [Fact]
    public async Task DeliveryDatedInTheFuture_InTheLog_NeitherHoldsPacingNorCountsTowardCaps()
    {
        // Written to the log by another path (by hand, a clock gone wrong) before the account activates.
        await TestWorld.EventLog.AppendAsync([Sent(ActionType.Message, FarFuture), Sent(ActionType.Message, DateTimeOffset.MaxValue.AddDays(-1))]);

        await _s.CreateAccountAsync();
        var result = await _s.Account.DispatchAsync(Command("p1", ActionType.Message));

        Assert.Equal(DispatchStatus.Sent, result.Status);
        Assert.Equal(1, (await _s.Account.GetViewAsync()).Usage[ActionType.Message].Today);
    }

    [Fact]
    public async Task InMailDatedInTheFuture_InTheLog_DoesNotClearATrippedBreakerAtTheHourlyRecheck()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0 });
        Assert.Equal(DispatchStatus.Skipped, (await _s.Account.DispatchAsync(Command("p1", ActionType.InMail))).Status);
        await TestWorld.EventLog.AppendAsync([Sent(ActionType.InMail, FarFuture)]);

        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(130), TimeSpan.FromMinutes(10));

        Assert.Equal(BreakerState.Open, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);
    }

    [Fact]
    public async Task ExternalEvent_FromTheFutureOrFromBeforeTheAccount_IsRefused_AndChangesNothing()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0 });
        await _s.Account.DispatchAsync(Command("p1", ActionType.InMail));
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)); // what follows happens after the trip
        var now = TestWorld.Time.GetUtcNow();

        var future = await Assert.ThrowsAsync<ArgumentException>(() => _s.Account.RecordExternalEventAsync(External(now.AddMinutes(6))));
        var overflow = await Assert.ThrowsAsync<ArgumentException>(() => _s.Account.RecordExternalEventAsync(External(DateTimeOffset.MaxValue)));
        var before = await Assert.ThrowsAsync<ArgumentException>(() => _s.Account.RecordExternalEventAsync(External(now.AddDays(-2))));

        Assert.Contains("in the future", future.Message);
        Assert.Contains("in the future", overflow.Message);
        Assert.Contains("before account", before.Message);
        var view = await _s.Account.GetViewAsync();
        Assert.Equal(BreakerState.Open, view.Breakers[ActionType.InMail].State);
        Assert.Equal(0, view.Usage[ActionType.InMail].Today);

        // Within the clock skew allowed it is taken, dated now.
        await _s.Account.RecordExternalEventAsync(External(now.AddMinutes(4)));
        Assert.Equal(BreakerState.Closed, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);
    }

    [Fact]
    public async Task SameExternalSentTwice_CountsOnce()
    {
        await _s.CreateAccountAsync();
        var evt = External(TestWorld.Time.GetUtcNow()) with { Action = ActionType.Invite, ProspectId = "p7" };

        var first = await _s.Account.RecordExternalEventAsync(evt);
        var second = await _s.Account.RecordExternalEventAsync(evt);

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(1, (await _s.Account.GetViewAsync()).Usage[ActionType.Invite].Today);
    }

    [Fact]
    public async Task ProviderIdempotencyKeys_AreScopedByWorkspace()
    {
        var other = new Scenario(fixture.Grains);
        foreach (var s in new[] { _s, other })
        {
            await s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { AcceptRate = 1.0 });
            await s.Account.DispatchAsync(Command("p1", ActionType.Invite));
        }

        var keys = new[] { _s, other }.Select(s => TestWorld.LinkedIn.Outcomes(s.AccountId, 0, 10).Single().IdempotencyKey).ToList();

        Assert.Equal($"{_s.Workspace}/c/p1/0", keys[0]);
        Assert.Equal($"{other.Workspace}/c/p1/0", keys[1]);
    }

    private EventRecord Sent(ActionType action, DateTimeOffset at) => new()
    {
        At = at, Kind = EventKind.Sent, WorkspaceId = _s.Workspace, AccountId = _s.AccountId, Action = action, Source = "by-hand",
    };

    private static ExternalEvent External(DateTimeOffset at) => new() { Action = ActionType.InMail, Kind = EventKind.Sent, At = at, Source = "linkedin-sync" };
}

/// <summary>Campaign settings that change under running prospects, and a paused campaign's answer to "why stuck".</summary>
[Collection(ClusterCollection.Name)]
public sealed class CampaignChangeTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    [Fact]
    public async Task ShorteningSteps_FinishesProspectsPastTheNewEnd_AndNewProspectsStillMove()
    {
        await _s.CreateAccountAsync();
        var campaign = await _s.CreateCampaignAsync("seq", [ActionType.ViewProfile, ActionType.EngagePost, ActionType.EndorseSkill], 3);
        await campaign.RunDueAsync();
        await campaign.RunDueAsync(); // every prospect now stands on step 3
        Assert.Equal(3, (await campaign.GetProspectAsync("p1"))!.Step);

        await campaign.ConfigureAsync(new CampaignSettings { AccountId = _s.AccountId, Steps = [new StepDefinition(ActionType.ViewProfile)] });
        await campaign.AddProspectsAsync([new ProspectInput("fresh", null)]);
        await Scenario.DrainAsync(campaign);

        var p1 = (await campaign.GetProspectAsync("p1"))!;
        Assert.Equal((ProspectStatus.Done, 1), (p1.Status, p1.Step));
        Assert.Equal(ProspectStatus.Done, (await campaign.GetProspectAsync("fresh"))!.Status);
        Assert.Equal(7, (await campaign.GetViewAsync()).Counters.Sent);
        Assert.Equal(0, _s.LinkedIn.Calls.GetValueOrDefault(ActionType.EndorseSkill));
    }

    [Fact]
    public async Task PausedCampaign_ProspectsWaitWithReasonCampaignPaused()
    {
        await _s.CreateAccountAsync();
        var campaign = await _s.CreateCampaignAsync("paused", [ActionType.ViewProfile], 2);

        await campaign.ConfigureAsync(new CampaignSettings { AccountId = _s.AccountId, Steps = [new StepDefinition(ActionType.ViewProfile)], Active = false });

        var p = (await campaign.GetProspectAsync("p1"))!;
        Assert.Equal((ProspectStatus.Waiting, Reason.CampaignPaused), (p.Status, p.Reason));
        Assert.Equal(0, await campaign.RunDueAsync());
    }
}
