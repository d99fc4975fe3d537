using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class SafetyModeTests(ClusterFixture fixture)
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..10];
    private static readonly SafetySettings Small = new() { Errors = 4, DistinctAccounts = 3, Window = TimeSpan.FromMinutes(5) };

    private IAccountGrain Account(string workspace, string id) => fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(workspace, id));

    private ISafetyModeGrain Safety(string workspace) => fixture.Grains.GetGrain<ISafetyModeGrain>(workspace);

    private async Task<string> AccountAsync(string workspace, SimulatedFault fault = SimulatedFault.None)
    {
        var id = "s-" + Guid.NewGuid().ToString("N")[..10];
        TestWorld.LinkedIn.Configure(id, new SimulatedAccountSettings { Fault = fault });
        await Account(workspace, id).ConfigureAsync(new AccountSettings());
        return id;
    }

    private Task<DispatchResult> Dispatch(string workspace, string account, string prospect, ActionType action = ActionType.ViewProfile) =>
        Account(workspace, account).DispatchAsync(new DispatchCommand { CampaignId = "c", ProspectId = prospect, Step = 0, Action = action });

    [Fact]
    public async Task OneSickAccount_NeverTripsIt_ThreeSickAccountsDo()
    {
        await Safety(_ws).ConfigureAsync(Small);
        var sick = await AccountAsync(_ws, SimulatedFault.ServerError);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(DispatchStatus.Retry, (await Dispatch(_ws, sick, $"p{i}")).Status);
        }
        Assert.Equal(SafetyState.Closed, (await Safety(_ws).GetViewAsync()).State);

        var second = await AccountAsync(_ws, SimulatedFault.RateLimited);
        var third = await AccountAsync(_ws, SimulatedFault.ServerError);
        await Dispatch(_ws, second, "q1");
        var tripping = await Dispatch(_ws, third, "q2");

        var view = await Safety(_ws).GetViewAsync();
        Assert.Equal(SafetyState.Open, view.State);
        Assert.Equal(TestWorld.Time.GetUtcNow() + TimeSpan.FromMinutes(15), view.ResumeAt);
        Assert.Equal((DispatchStatus.Failed, Reason.CircuitBreaker), (tripping.Status, tripping.Reason));
        var events = await TestWorld.EventLog.ReadCampaignAsync(_ws, "c", new ActivityQuery());
        Assert.DoesNotContain(events.Items, e => e.Kind == EventKind.SafetyModeTripped); // workspace-level, not a campaign's
    }

    [Fact]
    public async Task WhileOpen_EveryAccountOfTheWorkspaceStops_OtherWorkspacesKeepSending()
    {
        await Safety(_ws).ConfigureAsync(Small);
        var healthy = await AccountAsync(_ws);
        var otherWs = _ws + "-other";
        var elsewhere = await AccountAsync(otherWs);
        await TripAsync(_ws);

        var results = new List<DispatchResult>();
        foreach (var action in ActionTypes.All)
        {
            results.Add(await Dispatch(_ws, healthy, "h-" + action, action));
        }
        var other = await Dispatch(otherWs, elsewhere, "o1");

        Assert.All(results, r => Assert.Equal((DispatchStatus.Blocked, Reason.SafetyMode), (r.Status, r.Reason)));
        Assert.Empty(TestWorld.LinkedIn.View(healthy).Calls);
        Assert.Equal(DispatchStatus.Sent, other.Status);
        Assert.All((await Account(_ws, healthy).GetViewAsync()).Breakers.Values, b => Assert.Equal(BreakerState.Closed, b.State));
    }

    [Fact]
    public async Task AfterCoolDown_OneProbe_SuccessCloses()
    {
        await Safety(_ws).ConfigureAsync(Small);
        var a = await AccountAsync(_ws);
        var b = await AccountAsync(_ws);
        await TripAsync(_ws);
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(16), TimeSpan.FromMinutes(4));
        Assert.Equal(SafetyState.HalfOpen, (await Safety(_ws).GetViewAsync()).State);

        // Another account holds the probe: everyone else waits.
        Assert.True(await Safety(_ws).TryAcquireProbeAsync("someone-else"));
        var blocked = await Dispatch(_ws, a, "p1");
        Assert.Equal((DispatchStatus.Blocked, Reason.SafetyMode), (blocked.Status, blocked.Reason));
        await Safety(_ws).ReportProbeAsync("someone-else", null); // released without an answer

        var probe = await Dispatch(_ws, a, "p2");
        var after = await Dispatch(_ws, b, "p3");

        Assert.Equal(DispatchStatus.Sent, probe.Status);
        Assert.Equal(DispatchStatus.Sent, after.Status);
        Assert.Equal(SafetyState.Closed, (await Safety(_ws).GetViewAsync()).State);
        Assert.Equal(1, TestWorld.LinkedIn.View(a).Calls.Values.Sum()); // the blocked attempt never reached LinkedIn
    }

    [Fact]
    public async Task FailedProbe_ReopensWithDoubledCoolDown()
    {
        await Safety(_ws).ConfigureAsync(Small);
        var sick = await AccountAsync(_ws, SimulatedFault.ServerError);
        await TripAsync(_ws);
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(16), TimeSpan.FromMinutes(4));

        var probe = await Dispatch(_ws, sick, "probe");

        var view = await Safety(_ws).GetViewAsync();
        Assert.Equal(DispatchStatus.Retry, probe.Status);
        Assert.Equal(SafetyState.Open, view.State);
        Assert.Equal(2, view.ConsecutiveTrips);
        Assert.Equal(TestWorld.Time.GetUtcNow() + TimeSpan.FromMinutes(30), view.ResumeAt);
    }

    [Fact]
    public async Task ProspectsThatFailedInTheBurst_AreFailedCircuitBreaker_AndRetriedAfterRecovery()
    {
        await Safety(_ws).ConfigureAsync(Small);
        var accounts = new List<string>();
        var campaigns = new List<ICampaignGrain>();
        for (var i = 0; i < 3; i++)
        {
            var id = await AccountAsync(_ws, SimulatedFault.ServerError);
            accounts.Add(id);
            var campaign = fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "camp" + i));
            await campaign.ConfigureAsync(new CampaignSettings { AccountId = id, Steps = [new StepDefinition(ActionType.Message)] });
            await campaign.AddProspectsAsync([new ProspectInput("p1", null), new ProspectInput("p2", null)]);
            campaigns.Add(campaign);
        }
        foreach (var campaign in campaigns)
        {
            await campaign.RunDueAsync();
        }
        Assert.Equal(SafetyState.Open, (await Safety(_ws).GetViewAsync()).State);

        var failed = new List<ProspectView>();
        foreach (var campaign in campaigns)
        {
            failed.Add((await campaign.GetProspectAsync("p1"))!);
        }
        Assert.True(await Scenario.EventuallyAsync(async () =>
            (await campaigns[0].GetProspectAsync("p1"))!.Reason == Reason.CircuitBreaker));
        Assert.Contains(failed, p => (p.Status, p.Reason) == (ProspectStatus.Failed, Reason.CircuitBreaker));
        Assert.Equal(0, (await campaigns[0].GetViewAsync()).Counters.Failed); // retryable, not a final failure

        foreach (var id in accounts)
        {
            TestWorld.LinkedIn.Configure(id, new SimulatedAccountSettings { Fault = SimulatedFault.None });
        }
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(16), TimeSpan.FromMinutes(4));
        foreach (var campaign in campaigns)
        {
            await Scenario.DrainAsync(campaign);
        }
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        foreach (var campaign in campaigns)
        {
            await Scenario.DrainAsync(campaign);
        }

        Assert.Equal(SafetyState.Closed, (await Safety(_ws).GetViewAsync()).State);
        foreach (var campaign in campaigns)
        {
            Assert.Equal(2, (await campaign.GetViewAsync()).Counters.Sent);
        }
    }

    /// <summary>Trips the workspace's safety mode with errors from three throwaway sick accounts.</summary>
    private async Task TripAsync(string workspace)
    {
        for (var i = 0; i < 4; i++)
        {
            var sick = await AccountAsync(workspace, SimulatedFault.ServerError);
            await Dispatch(workspace, sick, "trip" + i);
            if ((await Safety(workspace).GetViewAsync()).State == SafetyState.Open)
            {
                return;
            }
        }
        Assert.Fail("the safety mode did not trip");
    }
}
