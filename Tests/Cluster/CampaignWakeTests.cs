using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansBreaker.Campaigns;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// Idle costs nothing (issue 11): a campaign with nothing due soon holds no timer and no reminder, only
/// an entry in the due index, and is woken at its earliest due time, or as soon as what it waits on changes.
/// </summary>
[Collection(AutoDispatchCollection.Name)]
public sealed class CampaignWakeTests(AutoDispatchFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    [Fact]
    public async Task ACampaignWithNothingDueForAnHour_HoldsNoReminderAndNobodyKeepsItAwake_AndTheDueIndexWakesItThen()
    {
        await _s.CreateAccountAsync();
        var campaign = _s.Campaign("later");
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = _s.AccountId, Steps = [new StepDefinition(ActionType.Invite, DelayMinutes: 60)] });
        var enrolled = TestWorld.Time.GetUtcNow();
        await campaign.AddProspectsAsync([new ProspectInput("p1", null), new ProspectInput("p2", null)]);

        var entry = await TestWorld.Prospects.GetScheduleAsync(new CampaignKey(_s.Workspace, "later"));
        Assert.NotNull(entry);
        Assert.Null(entry.Value.Owner); // asleep: no silo keeps it awake
        Assert.InRange(entry.Value.WakeAt, enrolled.AddMinutes(60), TestWorld.Time.GetUtcNow().AddMinutes(60));
        Assert.Empty(await RemindersAsync("later"));

        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(61), TimeSpan.FromMinutes(61));
        Assert.True(await Scenario.EventuallyAsync(async () => (await campaign.GetViewAsync()).Counters.Sent == 2, TimeSpan.FromSeconds(30)),
            $"counters {(await campaign.GetViewAsync()).Counters}");
        Assert.Empty(await RemindersAsync("later"));
        // Nothing open any more: the campaign leaves the due index.
        Assert.True(await Scenario.EventuallyAsync(async () => await TestWorld.Prospects.GetScheduleAsync(new CampaignKey(_s.Workspace, "later")) is null, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ASleepingCampaignWaitingOnItsInMailBreaker_SendsAsSoonAsTheBreakerClears_LongBeforeItsOwnWakeTime()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 0 });
        var campaign = await _s.CreateCampaignAsync("inmail", [ActionType.InMail], 3);
        Assert.True(await Scenario.EventuallyAsync(async () => (await campaign.GetViewAsync()).Steps[0].Waiting == 3, TimeSpan.FromSeconds(30)));
        var entry = await TestWorld.Prospects.GetScheduleAsync(new CampaignKey(_s.Workspace, "inmail"));
        Assert.Null(entry!.Value.Owner); // waiting until the 1st: asleep

        TestWorld.LinkedIn.Configure(_s.AccountId, new SimulatedAccountSettings { InMailCredits = 10 });
        // A successful InMail after the trip shows up in the event log (sent by hand): the breaker clears.
        await Scenario.AdvanceAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        await _s.Account.RecordExternalEventAsync(new ExternalEvent { Action = ActionType.InMail, Kind = EventKind.Sent, At = TestWorld.Time.GetUtcNow(), ProspectId = "elsewhere" });

        Assert.True(await Scenario.EventuallyAsync(async () => (await campaign.GetViewAsync()).Counters.Sent == 3, TimeSpan.FromSeconds(30)),
            $"counters {(await campaign.GetViewAsync()).Counters}, breaker {(await _s.Account.GetViewAsync()).Breakers[ActionType.InMail]}, p1 {await campaign.GetProspectAsync("p1")}");
    }

    private async Task<List<string>> RemindersAsync(string campaignId)
    {
        var silo = (InProcessSiloHandle)fixture.Cluster.Primary!;
        var table = silo.SiloHost.Services.GetRequiredService<Orleans.IReminderTable>();
        var rows = await table.ReadRows(Orleans.Runtime.GrainId.Create("campaign", GrainKeys.Scoped(_s.Workspace, campaignId)));
        return [.. rows.Reminders.Select(r => r.ReminderName)];
    }
}
