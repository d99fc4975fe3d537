using OrleansBreaker.Accounts;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class InMailBreakerTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    [Fact]
    public async Task InMailTripsOnCreditsExhausted_SkipsWithoutUpstreamCalls_InvitesKeepFlowing()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 2 });
        var inMail = await _s.CreateCampaignAsync("inmail", [ActionType.InMail], 5);
        var invites = await _s.CreateCampaignAsync("invites", [ActionType.Invite], 5, "i");
        var now = TestWorld.Time.GetUtcNow();

        await Scenario.DrainAsync(inMail);

        Assert.Equal(3, _s.LinkedIn.Calls[ActionType.InMail]); // 2 delivered + the refusal that tripped; none after
        Assert.Equal(2, _s.LinkedIn.Delivered[ActionType.InMail]);
        var view = await _s.Account.GetViewAsync();
        var breaker = view.Breakers[ActionType.InMail];
        Assert.Equal(BreakerState.Open, breaker.State);
        Assert.Equal(OutcomeClass.CreditsExhausted, breaker.Reason);
        Assert.Equal(ResetCalendar.NextReset(now), breaker.ResumeAt);
        Assert.All(view.Breakers.Where(b => b.Key != ActionType.InMail), b => Assert.Equal(BreakerState.Closed, b.Value.State));

        await Scenario.DrainAsync(invites);
        Assert.Equal(5, _s.LinkedIn.Delivered[ActionType.Invite]);
        Assert.Equal(5, (await invites.GetViewAsync()).Counters.Sent);

        var direct = await _s.Account.DispatchAsync(new DispatchCommand { CampaignId = "other", ProspectId = "x", Step = 0, Action = ActionType.InMail });
        Assert.Equal(DispatchStatus.Skipped, direct.Status);
        Assert.Equal(Reason.InMailCreditsExhausted, direct.Reason);
        Assert.Equal(3, _s.LinkedIn.Calls[ActionType.InMail]);

        var campaign = await inMail.GetViewAsync();
        Assert.Equal(2, campaign.Counters.Sent);
        Assert.Equal(3, campaign.Steps[0].Waiting);
        Assert.Equal(breaker.ResumeAt, campaign.Steps[0].ResumeAt);
        Assert.Equal(breaker.ResumeAt, campaign.ResumeAt);
        var prospect = await inMail.GetProspectAsync("p5");
        Assert.Equal(ProspectStatus.Waiting, prospect!.Status);
        Assert.Equal(Reason.InMailCreditsExhausted, prospect.Reason);
        Assert.Equal(1, prospect.Step);
    }

    [Fact]
    public async Task SkipEvents_OnePerProspectStepPerTrip_WithExactText_AndCountersUntouched()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0 });
        var inMail = await _s.CreateCampaignAsync("inmail", [ActionType.InMail], 3);

        await Scenario.DrainAsync(inMail);
        // A spurious wake-up (as a retry tick would be): the prospects really wake and are dispatched
        // again, meet the same trip, and wait again without a second skip event.
        await inMail.BreakerClearedAsync(_s.AccountId, ActionType.InMail); // one-way: wait for it to land
        Assert.True(await Scenario.EventuallyAsync(async () =>
        {
            foreach (var id in new[] { "p1", "p2", "p3" })
            {
                if ((await inMail.GetProspectAsync(id))!.Status != ProspectStatus.Due)
                {
                    return false;
                }
            }
            return true;
        }), "the wake-up did not wake the prospects");
        Assert.Equal(3, await inMail.RunDueAsync());
        foreach (var id in new[] { "p1", "p2", "p3" })
        {
            var again = (await inMail.GetProspectAsync(id))!;
            Assert.Equal((ProspectStatus.Waiting, Reason.InMailCreditsExhausted), (again.Status, again.Reason));
        }

        var view = await inMail.GetViewAsync();
        Assert.Equal(new CampaignCounters(Sent: 0, Accepted: 0, Replied: 0, Skipped: 3, Failed: 0), view.Counters);
        var skips = await inMail.GetActivityAsync(new ActivityQuery { Kind = EventKind.Skipped, Reason = Reason.InMailCreditsExhausted });
        Assert.Equal(3, skips.Items.Count);
        Assert.All(skips.Items, e => Assert.Equal("Skipped: account InMail credits exhausted", e.Text));
        Assert.Equal(["p1", "p2", "p3"], skips.Items.Select(e => e.ProspectId!).Order());
        Assert.All(skips.Items, e => Assert.Equal(ResetCalendar.NextReset(TestWorld.Time.GetUtcNow()), e.ResumeAt));
        var usage = (await _s.Account.GetViewAsync()).Usage[ActionType.InMail];
        Assert.Equal(0, usage.Today);
        Assert.Equal(1, _s.LinkedIn.Calls[ActionType.InMail]);
    }

    [Fact]
    public async Task MonthlyResetReminder_ResumesBreaker_AndWaitingProspectsGoOut()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 1 });
        var inMail = await _s.CreateCampaignAsync("inmail", [ActionType.InMail], 4);
        await Scenario.DrainAsync(inMail);
        var resumeAt = (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].ResumeAt!.Value;
        Assert.Equal(3, (await inMail.GetViewAsync()).Steps[0].Waiting);

        // Up to just before the reset: still open, nothing due.
        await Scenario.AdvanceAsync(resumeAt - TestWorld.Time.GetUtcNow() - TimeSpan.FromMinutes(1));
        Assert.Equal(BreakerState.Open, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);
        Assert.Equal(0, await inMail.RunDueAsync());

        // Past the reset and its jitter: the reminder resumes the breaker and the campaign is told.
        await Scenario.AdvanceAsync(ResetCalendar.MaxJitter + TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Assert.True(await Scenario.EventuallyAsync(async () =>
            (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State != BreakerState.Open));
        Assert.True(await Scenario.EventuallyAsync(async () =>
            (await inMail.GetProspectAsync("p4"))!.Status == ProspectStatus.Due));

        await Scenario.DrainAsync(inMail);
        var view = await inMail.GetViewAsync();
        Assert.Equal(4, view.Counters.Sent);
        Assert.Equal(0, view.Steps[0].Waiting);
        Assert.Equal(BreakerState.Closed, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);
        Assert.Equal(4, _s.LinkedIn.Delivered[ActionType.InMail]);
    }

    [Fact]
    public async Task SuccessInEventLog_ClearsBreakerThroughHourlyRecheck()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0 });
        var inMail = await _s.CreateCampaignAsync("inmail", [ActionType.InMail], 2);
        await Scenario.DrainAsync(inMail);
        Assert.Equal(BreakerState.Open, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);

        // Some minutes later, a successful InMail reaches the log by another path (not through the account grain).
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        await TestWorld.EventLog.AppendAsync([new EventRecord
        {
            At = TestWorld.Time.GetUtcNow(), Kind = EventKind.Sent, WorkspaceId = _s.Workspace, AccountId = _s.AccountId,
            Action = ActionType.InMail, Source = "linkedin-sync",
        }]);
        TestWorld.LinkedIn.Configure(_s.AccountId, new SimulatedAccountSettings { InMailCredits = 5 });
        Assert.Equal(BreakerState.Open, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);

        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(61), TimeSpan.FromMinutes(10));
        Assert.True(await Scenario.EventuallyAsync(async () =>
            (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State == BreakerState.Closed));
        Assert.True(await Scenario.EventuallyAsync(async () => (await inMail.GetProspectAsync("p2"))!.Status == ProspectStatus.Due),
            $"p2 is {await inMail.GetProspectAsync("p2")}");
        await Scenario.DrainAsync(inMail);
        Assert.Equal(2, (await inMail.GetViewAsync()).Counters.Sent);
    }

    [Fact]
    public async Task ExternalSentEvent_ClearsBreakerAtOnce()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0 });
        var inMail = await _s.CreateCampaignAsync("inmail", [ActionType.InMail], 1);
        await Scenario.DrainAsync(inMail);
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3));

        await _s.Account.RecordExternalEventAsync(new ExternalEvent
        {
            Action = ActionType.InMail, Kind = EventKind.Sent, At = TestWorld.Time.GetUtcNow(), ProspectId = "elsewhere", Source = "linkedin-sync",
        });

        Assert.Equal(BreakerState.Closed, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);
        Assert.True(await Scenario.EventuallyAsync(async () => (await inMail.GetProspectAsync("p1"))!.Status == ProspectStatus.Due));
    }

    [Fact]
    public async Task ExternalSentEvent_OlderThanTheTrip_DoesNotClear()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0 });
        await Scenario.AdvanceAsync(TimeSpan.FromHours(4), TimeSpan.FromHours(1)); // the event below is from after the account was created
        var inMail = await _s.CreateCampaignAsync("inmail", [ActionType.InMail], 1);
        await Scenario.DrainAsync(inMail);

        await _s.Account.RecordExternalEventAsync(new ExternalEvent
        {
            Action = ActionType.InMail, Kind = EventKind.Sent, At = TestWorld.Time.GetUtcNow().AddHours(-3), Source = "linkedin-sync",
        });

        Assert.Equal(BreakerState.Open, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);
    }

    [Fact]
    public async Task ProbeRefusedWithin48HoursOfReset_ReArmsForSixHours_LaterTripsWaitForNextReset()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0 });
        var inMail = await _s.CreateCampaignAsync("inmail", [ActionType.InMail], 3);
        await Scenario.DrainAsync(inMail);
        var reset = (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].ResumeAt!.Value;

        await Scenario.AdvanceAsync(reset - TestWorld.Time.GetUtcNow() + TimeSpan.FromMinutes(7), TimeSpan.FromHours(2));
        Assert.True(await ProbingSoonAsync());
        // LinkedIn's renewal lags into the 2nd: the probe is refused again.
        TestWorld.LinkedIn.Configure(_s.AccountId, new SimulatedAccountSettings { InMailCredits = 0 });
        var callsBefore = _s.LinkedIn.Calls[ActionType.InMail];
        await Scenario.DrainAsync(inMail);

        Assert.Equal(callsBefore + 1, _s.LinkedIn.Calls[ActionType.InMail]); // single-flight probe: one call, the rest skipped
        var reArmed = (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail];
        Assert.Equal(BreakerState.Open, reArmed.State);
        Assert.Equal(TestWorld.Time.GetUtcNow() + Breaker.ReArmRecheck, reArmed.ResumeAt!.Value, TimeSpan.FromSeconds(1));

        // Six hours on, it resumes again; by now 48 hours have passed, so the next refusal waits for the next reset.
        await Scenario.AdvanceAsync(TimeSpan.FromHours(49), TimeSpan.FromHours(3));
        Assert.True(await ProbingSoonAsync());
        await _s.Account.DispatchAsync(new DispatchCommand { CampaignId = "late", ProspectId = "z", Step = 0, Action = ActionType.InMail });
        var later = (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail];
        Assert.Equal(BreakerState.Open, later.State);
        Assert.Equal(ResetCalendar.NextReset(TestWorld.Time.GetUtcNow()), later.ResumeAt);
    }

    /// <summary>
    /// Whether the InMail breaker resumes while time goes on, as it would: Orleans can drop a tick that falls due
    /// while it refreshes its reminder list, and the reset reminder's next occurrence a minute later is the retry.
    /// </summary>
    private Task<bool> ProbingSoonAsync() => Scenario.EventuallyAsync(async () =>
    {
        TestWorld.Time.Advance(TimeSpan.FromSeconds(10));
        return (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State == BreakerState.Probing;
    });

    [Fact]
    public async Task AmbiguousRefusals_TripOnlyAfterTwoDistinctRecipients()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0, AmbiguousCreditRefusals = true });

        var first = await _s.Account.DispatchAsync(new DispatchCommand { CampaignId = "c", ProspectId = "a", Step = 0, Action = ActionType.InMail });
        Assert.Equal(DispatchStatus.Failed, first.Status);
        Assert.Equal(BreakerState.Closed, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);

        var second = await _s.Account.DispatchAsync(new DispatchCommand { CampaignId = "c", ProspectId = "b", Step = 0, Action = ActionType.InMail });
        Assert.Equal(DispatchStatus.Skipped, second.Status);
        Assert.Equal(BreakerState.Open, (await _s.Account.GetViewAsync()).Breakers[ActionType.InMail].State);
    }
}
