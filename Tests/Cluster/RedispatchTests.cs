using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// A campaign re-dispatches a key it already dispatched whenever it lost its own state write after the
/// account answered (a silo killed in between: found by KillDuringSendTests). The account must answer
/// with the recorded outcome, whatever its checks say now, or the campaign never counts that delivery.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RedispatchTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    private static DispatchCommand Command(string campaign, string prospect, ActionType action) =>
        new() { CampaignId = campaign, ProspectId = prospect, Step = 0, Action = action };

    [Fact]
    public async Task ADeliveredKeyDispatchedAgain_AfterTheBreakerTripped_AnswersSentReplayed_NotSkipped()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { InMailCredits = 1 });
        var delivered = Command("inmail", "p1", ActionType.InMail);
        Assert.Equal(DispatchStatus.Sent, (await _s.Account.DispatchAsync(delivered)).Status);
        // Later sends push the delivery out of the few final intents the account keeps in its state.
        for (var i = 0; i < 10; i++)
        {
            TestWorld.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(DispatchStatus.Sent, (await _s.Account.DispatchAsync(Command("invites", $"i{i}", ActionType.Invite))).Status);
        }
        Assert.Equal(DispatchStatus.Skipped, (await _s.Account.DispatchAsync(Command("inmail", "p2", ActionType.InMail))).Status); // the trip

        var again = await _s.Account.DispatchAsync(delivered);

        Assert.Equal((DispatchStatus.Sent, true), (again.Status, again.Replayed));
        Assert.Equal(2, _s.LinkedIn.Calls[ActionType.InMail]); // and nothing re-sent
    }

    // A delivery the campaign learns of through a replay is counted: the prospect still stood at that step,
    // so the campaign had never counted it (ProspectMachine counts replays since issue 10).
    [Fact]
    public async Task ACampaignThatLostItsAnswer_CountsTheDeliveryWhenTheAccountReplaysIt()
    {
        await _s.CreateAccountAsync();
        var campaign = await _s.CreateCampaignAsync("msgs", [ActionType.Message], 1);
        // The campaign's earlier run reached the account and LinkedIn, then lost its own state write:
        // the account holds the outcome of the campaign's key, the campaign does not.
        var earlier = await _s.Account.DispatchAsync(Command("msgs", "p1", ActionType.Message));
        Assert.Equal(DispatchStatus.Sent, earlier.Status);

        await Scenario.DrainAsync(campaign);

        Assert.Equal(ProspectStatus.Done, (await campaign.GetProspectAsync("p1"))!.Status);
        Assert.Equal(1, _s.LinkedIn.Delivered[ActionType.Message]);
        Assert.Equal(1, _s.LinkedIn.Calls[ActionType.Message]);
        Assert.Equal(1, (await campaign.GetViewAsync()).Counters.Sent); // one delivery, counted once
    }
}
