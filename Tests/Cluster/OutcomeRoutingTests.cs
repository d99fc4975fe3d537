using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// Accepts and replies travel from LinkedIn (the outcome feed) to the campaign while the campaign is
/// dispatching to the same account: calls go one way, so neither grain waits on the other.
/// </summary>
[Collection(AutoDispatchCollection.Name)]
public sealed class OutcomeRoutingTests(AutoDispatchFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    [Fact]
    public async Task AutoDispatchWithAcceptsAndReplies_NeverDeadlocks_AndCountsEachOutcomeOnce()
    {
        const int prospects = 40;
        await _s.CreateAccountAsync(
            new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(500, 500), [ActionType.Message] = new(500, 500) } },
            new SimulatedAccountSettings { AcceptRate = 1.0, ReplyRate = 1.0 });

        var campaign = await _s.CreateCampaignAsync("seq", [ActionType.Invite, ActionType.Message], prospects);

        var done = await Scenario.EventuallyAsync(async () =>
        {
            var c = (await campaign.GetViewAsync()).Counters;
            return c.Sent == 2 * prospects && c.Accepted == prospects && c.Replied == prospects;
        }, TimeSpan.FromSeconds(60));

        var view = await campaign.GetViewAsync();
        Assert.True(done, $"counters after a minute of automatic dispatch: {view.Counters}");
        // Nothing was mislabelled: no prospect ever waited on "storage unavailable" (a timed-out call).
        Assert.Empty(await StuckAsync(campaign, prospects));
        Assert.Equal(2 * prospects, _s.LinkedIn.Delivered.Values.Sum());

        // Read again and again, an outcome still counts once.
        await Task.Delay(500);
        Assert.Equal(new CampaignCounters(Sent: 2 * prospects, Accepted: prospects, Replied: prospects, Skipped: 0, Failed: 0),
            (await campaign.GetViewAsync()).Counters);
        var accepted = await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Accepted, Limit = 500 });
        Assert.Equal(prospects, accepted.Items.Count);
    }

    private static async Task<List<string>> StuckAsync(ICampaignGrain campaign, int prospects)
    {
        var stuck = new List<string>();
        for (var i = 1; i <= prospects; i++)
        {
            var p = await campaign.GetProspectAsync($"p{i}");
            if (p is null || p.Status != ProspectStatus.Done)
            {
                stuck.Add($"p{i}: {p?.Status} {p?.Reason}");
            }
        }
        return stuck;
    }
}
