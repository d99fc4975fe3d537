using OrleansBreaker.Workspaces;

namespace OrleansBreaker.Tests.Unit;

public sealed class CampaignAccountIndexTests
{
    [Fact]
    public void CampaignsOfAnAccount_AreThoseSetOnIt_InIdOrder()
    {
        var index = new CampaignAccountIndex(new WorkspaceState());
        index.Set("c2", ["a"]);
        index.Set("c1", ["a"]);
        index.Set("c3", ["b"]);

        Assert.Equal(["c1", "c2"], index.CampaignsOf("a").Campaigns);
        Assert.Equal(["c3"], index.CampaignsOf("b").Campaigns);
        Assert.Empty(index.CampaignsOf("nobody").Campaigns);
        Assert.Empty(index.CampaignsOf("a").Unknown);
    }

    [Fact]
    public void SettingTheSameAccountsAgain_ChangesNothing_InAnyOrder()
    {
        var state = new WorkspaceState();
        var index = new CampaignAccountIndex(state);

        Assert.True(index.Set("c", ["a", "b"]));
        Assert.False(index.Set("c", ["b", "a", "a"]));
        Assert.Equal(["a", "b"], state.CampaignAccounts["c"]);
        Assert.Equal(["c"], state.Campaigns);
    }

    [Fact]
    public void AMovedCampaign_LeavesItsOldAccounts_AndJoinsTheNewOnes()
    {
        var state = new WorkspaceState();
        var index = new CampaignAccountIndex(state);
        index.Set("pool", ["a", "b"]);

        Assert.True(index.Set("pool", ["b", "c"]));

        Assert.Empty(index.CampaignsOf("a").Campaigns);
        Assert.Equal(["pool"], index.CampaignsOf("b").Campaigns);
        Assert.Equal(["pool"], index.CampaignsOf("c").Campaigns);
        Assert.Equal(["b", "c"], state.CampaignAccounts["pool"]);
    }

    [Fact]
    public void AStateWithoutCampaignAccounts_NamesItsCampaignsUnknown_ForEveryAccount()
    {
        var state = new WorkspaceState { Campaigns = new(["old1", "old2"], StringComparer.Ordinal) };
        state.CampaignAccounts["new"] = new(["a"], StringComparer.Ordinal);
        state.Campaigns.Add("new");

        var index = new CampaignAccountIndex(state);

        Assert.Equal(["new"], index.CampaignsOf("a").Campaigns);
        Assert.Equal(["old1", "old2"], index.CampaignsOf("a").Unknown);
        Assert.Equal(["old1", "old2"], index.CampaignsOf("b").Unknown);
    }

    [Fact]
    public void Learning_FillsInOnlyUnknownCampaigns_NeverOverwritingWhatACampaignTold()
    {
        var state = new WorkspaceState { Campaigns = new(["old", "moved"], StringComparer.Ordinal) };
        var index = new CampaignAccountIndex(state);
        // "moved" told the directory itself after a reader had read its older view.
        index.Set("moved", ["b"]);

        Assert.True(index.Learn([new CampaignAccounts("old", ["a"]), new CampaignAccounts("moved", ["a"]), new CampaignAccounts("stranger", ["a"])]));

        Assert.Equal(["old"], index.CampaignsOf("a").Campaigns);
        Assert.Equal(["moved"], index.CampaignsOf("b").Campaigns);
        Assert.Empty(index.CampaignsOf("a").Unknown);
        Assert.DoesNotContain("stranger", state.Campaigns);
        Assert.False(index.Learn([new CampaignAccounts("old", ["z"])]));
    }

    [Fact]
    public void AddingACampaignWithoutAccounts_MakesItUnknown_UnlessItIsKnown()
    {
        var state = new WorkspaceState();
        var index = new CampaignAccountIndex(state);
        index.Set("known", ["a"]);

        Assert.False(index.AddUnknown("known"));
        Assert.True(index.AddUnknown("legacy"));
        Assert.False(index.AddUnknown("legacy"));

        Assert.Equal(["known"], index.CampaignsOf("a").Campaigns);
        Assert.Equal(["legacy"], index.CampaignsOf("a").Unknown);
        Assert.True(index.Set("legacy", ["a"]));
        Assert.Empty(index.CampaignsOf("a").Unknown);
    }
}
