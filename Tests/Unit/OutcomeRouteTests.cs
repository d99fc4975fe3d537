using OrleansBreaker.Outcomes;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Unit;

public sealed class OutcomeRouteTests
{
    private static ProviderOutcome Outcome(string? key, string prospect = "p1", EventKind kind = EventKind.Accepted) =>
        new(1, "a1", prospect, kind, ActionType.Invite, DateTimeOffset.UnixEpoch, key);

    [Fact]
    public void AnOutcome_GoesToTheCampaignOfTheWorkspaceItsKeyNames()
    {
        Assert.Equal(new OutcomeRoute("ws-b/c1", null), OutcomeRoute.Of(Outcome("ws-b/c1/p1/0")));
        Assert.Equal("ws-a/c1", OutcomeRoute.Of(Outcome("ws-a/c1/p1/2", kind: EventKind.Replied)).CampaignKey);
    }

    [Theory]
    [InlineData(null, "no idempotency key")]
    [InlineData("c1/p1/0", "is not {workspace}/{campaign}/{prospect}/{step}")]
    [InlineData("ws//p1/0", "is not {workspace}/{campaign}/{prospect}/{step}")]
    [InlineData("/c1/p1/0", "is not {workspace}/{campaign}/{prospect}/{step}")]
    [InlineData("ws/c1/p1/0/extra", "is not {workspace}/{campaign}/{prospect}/{step}")]
    [InlineData("ws/c1/p2/0", "names another prospect than p1")]
    public void AnOutcomeWhoseKeyNamesNoCampaignOfItsProspect_GoesNowhere_AndSaysWhy(string? key, string problem)
    {
        var route = OutcomeRoute.Of(Outcome(key));

        Assert.Null(route.CampaignKey);
        Assert.Contains(problem, route.Problem);
    }

    [Fact]
    public void OnlyAcceptsAndRepliesAreRouted()
    {
        Assert.Null(OutcomeRoute.Of(Outcome("ws/c1/p1/0", kind: EventKind.Sent)).CampaignKey);
    }
}
