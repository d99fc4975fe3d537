using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// The cluster's one outcome feed reader: accepts and replies reach the campaign that dispatched, once,
/// however often they are read or also posted; another workspace's never leak; a key naming no campaign
/// is skipped. The fixture's reader ticks on its own (every 200 ms); the tests also ask it to read now.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OutcomeFeedTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    private IOutcomeFeedGrain Feed => fixture.Grains.GetGrain<IOutcomeFeedGrain>(OutcomeFeed.Key);

    [Fact]
    public async Task AcceptsAndReplies_ReachTheCampaignCounters_WithNoPerAccountFeedRead()
    {
        var before = TestWorld.LinkedIn.FeedCalls;
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { AcceptRate = 1.0, ReplyRate = 1.0 });
        var campaign = await _s.CreateCampaignAsync("seq", [ActionType.Invite, ActionType.Message], 4);

        await Scenario.DrainAsync(campaign);

        Assert.True(await CountersAsync(campaign, accepted: 4, replied: 4), $"counters: {(await campaign.GetViewAsync()).Counters}");
        var after = TestWorld.LinkedIn.FeedCalls;
        Assert.True(after.FeedReads > before.FeedReads, "the provider-wide feed was read");
        Assert.Equal(before.AccountFeedReads, after.AccountFeedReads);
    }

    [Fact]
    public async Task APageReadAgain_AfterTheCursorWentBack_CountsEachOutcomeOnce()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { AcceptRate = 1.0 });
        var campaign = await _s.CreateCampaignAsync("invites", [ActionType.Invite], 3);
        var cursorBefore = TestWorld.LinkedIn.FeedLastSeq;
        await Scenario.DrainAsync(campaign);
        await Feed.ReadNowAsync();
        Assert.True(await CountersAsync(campaign, accepted: 3, replied: 0), $"counters: {(await campaign.GetViewAsync()).Counters}");

        // Back before our outcomes, as after a crash between hand-over and cursor write; then one more accept
        // behind them, so that once it is counted, the re-read ones have been handed over too.
        var handedBefore = (await Feed.GetViewAsync()).HandedOver;
        await Feed.RewindAsync(cursorBefore);
        await campaign.AddProspectsAsync([new ProspectInput("late", null)]);
        await Scenario.DrainAsync(campaign);
        var lastOurs = TestWorld.LinkedIn.FeedLastSeq;
        await Feed.ReadNowAsync();

        // Its own timer may have read some of them first: together, at least our four went again.
        var reread = (await Feed.GetViewAsync()).HandedOver - handedBefore;
        Assert.True(reread >= 4, $"the reader handed over {reread} outcomes after the rewind");
        Assert.True(await CountersAsync(campaign, accepted: 4, replied: 0), $"counters: {(await campaign.GetViewAsync()).Counters}");
        var accepted = await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Accepted, Limit = 100 });
        Assert.Equal(["late", "p1", "p2", "p3"], accepted.Items.Select(e => e.ProspectId).Order());
        Assert.True((await Feed.GetViewAsync()).Cursor >= lastOurs, "the cursor caught up again");
    }

    [Fact]
    public async Task AReplyPostedThroughEvents_AndReadFromTheFeed_CountsOnce()
    {
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { ReplyRate = 1.0 });
        var campaign = await _s.CreateCampaignAsync("msgs", [ActionType.Message], 2);
        var cursorBefore = TestWorld.LinkedIn.FeedLastSeq;
        await Scenario.DrainAsync(campaign);

        // The same reply reported by the user's own sync (POST /events routes through the account grain)...
        var posted = await _s.Account.RecordExternalEventAsync(new ExternalEvent
        {
            Action = ActionType.Message, Kind = EventKind.Replied, At = TestWorld.Time.GetUtcNow(), ProspectId = "p1", CampaignId = "msgs", Source = "crm-sync",
        });
        Assert.Equal("msgs", posted.CampaignId);
        // ...and by LinkedIn's feed, with p2's reply behind it as the mark that the feed's hand-over is done.
        await Feed.ReadNowAsync();

        Assert.True(await CountersAsync(campaign, accepted: 0, replied: 2), $"counters: {(await campaign.GetViewAsync()).Counters}");

        // Read once more from before them, with p3's reply behind as the mark: p1 still counts once.
        await Feed.RewindAsync(cursorBefore);
        await campaign.AddProspectsAsync([new ProspectInput("p3", null)]);
        await Scenario.DrainAsync(campaign);
        await Feed.ReadNowAsync();

        Assert.True(await CountersAsync(campaign, accepted: 0, replied: 3), $"counters: {(await campaign.GetViewAsync()).Counters}");
        var replies = await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Replied, Limit = 100 });
        Assert.Equal(["p1", "p2", "p3"], replies.Items.Select(e => e.ProspectId).Order());
    }

    [Fact]
    public async Task AnAcceptOfOneWorkspacesAccount_NeverReachesAnotherWorkspacesCampaignOfTheSameName()
    {
        var other = new Scenario(fixture.Grains);
        await _s.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { AcceptRate = 0.0 });
        await other.CreateAccountAsync(linkedIn: new SimulatedAccountSettings { AcceptRate = 1.0 });
        var ours = await _s.CreateCampaignAsync("same-name", [ActionType.Invite], 2);
        var theirs = await other.CreateCampaignAsync("same-name", [ActionType.Invite], 2);

        await Scenario.DrainAsync(ours);
        await Scenario.DrainAsync(theirs);
        await Feed.ReadNowAsync();

        Assert.True(await CountersAsync(theirs, accepted: 2, replied: 0), $"their counters: {(await theirs.GetViewAsync()).Counters}");
        Assert.Equal(0, (await ours.GetViewAsync()).Counters.Accepted);
        Assert.Empty((await ours.GetActivityAsync(new ActivityQuery { Kind = EventKind.Accepted })).Items);
    }

    [Fact]
    public async Task AnOutcomeWhoseKeyNamesNoCampaign_IsSkipped_AndTheFeedReadsOnPastIt()
    {
        TestWorld.LinkedIn.Configure(_s.AccountId, new SimulatedAccountSettings { AcceptRate = 1.0 });
        await TestWorld.LinkedIn.SendAsync(new UpstreamRequest(_s.AccountId, ActionType.Invite, "p1", null, "not-a-provider-key"), CancellationToken.None);
        var seq = TestWorld.LinkedIn.FeedLastSeq;
        var before = await Feed.GetViewAsync();

        await Feed.ReadNowAsync();

        var after = await Feed.GetViewAsync();
        Assert.True(after.Skipped > before.Skipped, $"skipped {before.Skipped} then {after.Skipped}");
        Assert.True(after.Cursor >= seq, $"cursor {after.Cursor}, the skipped entry is {seq}");
    }

    private static Task<bool> CountersAsync(ICampaignGrain campaign, int accepted, int replied) =>
        Scenario.EventuallyAsync(async () =>
        {
            var c = (await campaign.GetViewAsync()).Counters;
            return c.Accepted == accepted && c.Replied == replied;
        }, TimeSpan.FromSeconds(30));
}
