using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// The workspace safety mode with its default thresholds (BRIEF: 10 upstream errors from at least 3
/// accounts within 5 minutes), driven through real account grains and their upstream errors, and the
/// <see cref="EventKind.SafetyModeTripped"/> / <see cref="EventKind.SafetyModeCleared"/> events it leaves in the log.
/// No test here configures the workspace: every threshold is the default.
/// </summary>
[Collection(RecordedClusterCollection.Name)]
public sealed class DefaultSafetyModeTests(RecordedClusterFixture fixture)
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..10];
    private int _prospect;

    private ISafetyModeGrain Safety => fixture.Grains.GetGrain<ISafetyModeGrain>(_ws);

    private IAccountGrain Account(string id) => fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, id));

    private async Task<string> AccountAsync(SimulatedFault fault)
    {
        var id = "d-" + Guid.NewGuid().ToString("N")[..10];
        RecordedWorld.LinkedIn.Configure(id, new SimulatedAccountSettings { Fault = fault });
        await Account(id).ConfigureAsync(new AccountSettings());
        return id;
    }

    private Task<DispatchResult> Dispatch(string account) =>
        Account(account).DispatchAsync(new DispatchCommand { CampaignId = "c", ProspectId = $"p{++_prospect}", Step = 0, Action = ActionType.ViewProfile });

    private IReadOnlyList<EventRecord> SafetyEvents() =>
        RecordedWorld.EventLog.Where(e => e.WorkspaceId == _ws && e.Kind is EventKind.SafetyModeTripped or EventKind.SafetyModeCleared);

    [Fact]
    public async Task TenErrorsFromThreeAccountsWithinFiveMinutes_Trip_NineDoNot_AndTheTripIsLogged()
    {
        var sick = new[] { await AccountAsync(SimulatedFault.ServerError), await AccountAsync(SimulatedFault.RateLimited), await AccountAsync(SimulatedFault.ServerError) };
        var healthy = await AccountAsync(SimulatedFault.None);
        Assert.Equal(SafetySettings.Default, new SafetySettings { Errors = 10, DistinctAccounts = 3, Window = TimeSpan.FromMinutes(5) });

        // Nine errors from three accounts, over four minutes: below the default of ten.
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(DispatchStatus.Retry, (await Dispatch(sick[i % 3])).Status);
            await RecordedClusterFixture.AdvanceAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        }
        Assert.Equal(SafetyState.Closed, (await Safety.GetViewAsync()).State);
        Assert.Equal(DispatchStatus.Sent, (await Dispatch(healthy)).Status);
        Assert.Empty(SafetyEvents());

        // The tenth, still inside five minutes of the first: open.
        var tripping = await Dispatch(sick[0]);
        var now = RecordedWorld.Time.GetUtcNow();
        var view = await Safety.GetViewAsync();
        Assert.Equal(SafetyState.Open, view.State);
        Assert.Equal((DispatchStatus.Failed, Reason.CircuitBreaker), (tripping.Status, tripping.Reason));
        Assert.Equal(now + TimeSpan.FromMinutes(15), view.ResumeAt);
        var blocked = await Dispatch(healthy);
        Assert.Equal((DispatchStatus.Blocked, Reason.SafetyMode), (blocked.Status, blocked.Reason));

        var trip = Assert.Single(SafetyEvents());
        Assert.Equal((EventKind.SafetyModeTripped, Reason.SafetyMode, now, view.ResumeAt), (trip.Kind, trip.Reason, trip.At, trip.ResumeAt));
        Assert.Contains("10 upstream errors from 3 accounts", trip.Text);
    }

    [Fact]
    public async Task ManyErrorsFromOnlyTwoAccounts_NeverTrip()
    {
        var a = await AccountAsync(SimulatedFault.ServerError);
        var b = await AccountAsync(SimulatedFault.ServerError);

        for (var i = 0; i < 14; i++)
        {
            Assert.Equal(DispatchStatus.Retry, (await Dispatch(i % 2 == 0 ? a : b)).Status);
        }

        Assert.Equal(SafetyState.Closed, (await Safety.GetViewAsync()).State);
        Assert.Empty(SafetyEvents());
        // A third account's error completes the picture: fourteen in the window already, so this one trips it.
        var c = await AccountAsync(SimulatedFault.ServerError);
        await Dispatch(c);
        Assert.Equal(SafetyState.Open, (await Safety.GetViewAsync()).State);
    }

    [Fact]
    public async Task TenErrorsSpreadOverMoreThanFiveMinutes_DoNotTrip()
    {
        var sick = new[] { await AccountAsync(SimulatedFault.ServerError), await AccountAsync(SimulatedFault.ServerError), await AccountAsync(SimulatedFault.ServerError) };

        for (var i = 0; i < 6; i++)
        {
            await Dispatch(sick[i % 3]);
        }
        await RecordedClusterFixture.AdvanceAsync(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
        for (var i = 0; i < 6; i++)
        {
            await Dispatch(sick[i % 3]);
        }

        // Twelve errors in all, but never ten inside one five-minute window.
        Assert.Equal(SafetyState.Closed, (await Safety.GetViewAsync()).State);
        Assert.Empty(SafetyEvents());
        for (var i = 0; i < 4; i++)
        {
            await Dispatch(sick[i % 3]);
        }
        Assert.Equal(SafetyState.Open, (await Safety.GetViewAsync()).State); // six + four inside the window
    }

    [Fact]
    public async Task AfterTheDefaultCoolDown_ASuccessfulProbeClosesIt_AndTheClearIsLogged()
    {
        var sick = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sick.Add(await AccountAsync(SimulatedFault.ServerError));
        }
        var healthy = await AccountAsync(SimulatedFault.None);
        for (var i = 0; i < 10; i++)
        {
            await Dispatch(sick[i % 3]);
        }
        var opened = await Safety.GetViewAsync();
        Assert.Equal(SafetyState.Open, opened.State);

        // Still open a minute before the cool-down ends; half-open after it.
        await RecordedClusterFixture.AdvanceToAsync(opened.ResumeAt!.Value - TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2));
        var early = await Dispatch(healthy);
        Assert.Equal((DispatchStatus.Blocked, Reason.SafetyMode), (early.Status, early.Reason));
        await RecordedClusterFixture.AdvanceAsync(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Assert.Equal(SafetyState.HalfOpen, (await Safety.GetViewAsync()).State);

        string? lastStatus = null;
        Assert.True(await Scenario.EventuallyAsync(async () =>
        {
            // The silo's cached safety view may still say Open for a moment.
            var probe = await Dispatch(healthy);
            lastStatus = $"{probe.Status}/{probe.Reason}";
            return probe.Status == DispatchStatus.Sent;
        }), $"the probe did not go out: {lastStatus}");

        Assert.Equal(SafetyState.Closed, (await Safety.GetViewAsync()).State);
        var events = SafetyEvents();
        Assert.Equal([EventKind.SafetyModeTripped, EventKind.SafetyModeCleared], events.Select(e => e.Kind));
        Assert.Equal(Reason.SafetyMode, events[1].Reason);
        Assert.True(events[1].At >= opened.ResumeAt, $"cleared at {events[1].At:O}, before the cool-down ended at {opened.ResumeAt:O}");
        Assert.Equal(DispatchStatus.Sent, (await Dispatch(healthy)).Status);
    }
}
