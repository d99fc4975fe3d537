using OrleansBreaker.Accounts;

namespace OrleansBreaker.Tests.Unit;

public sealed class PacingTurnsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    [Fact]
    public void ACampaignRefusedForPacing_HoldsTheNextSlot_AgainstOneThatArrivesFirst()
    {
        var turns = new PacingTurns(Grace);
        turns.Waiting("pool", T0.AddSeconds(2));

        Assert.Equal(T0.AddSeconds(5), turns.Held("single", T0.AddSeconds(2)));
        Assert.Null(turns.Held("pool", T0.AddSeconds(2.5)));
    }

    [Fact]
    public void AfterTheTurnHolderSends_TheNextInLineHoldsTheFollowingSlot()
    {
        var turns = new PacingTurns(Grace);
        turns.Waiting("pool", T0.AddSeconds(2));
        Assert.NotNull(turns.Held("single", T0.AddSeconds(2)));

        turns.Sent("pool", T0.AddSeconds(4.5));

        Assert.Equal(["single"], turns.Line);
        Assert.Equal(T0.AddSeconds(7.5), turns.Held("pool", T0.AddSeconds(4.5)));
        Assert.Null(turns.Held("single", T0.AddSeconds(4.6)));
    }

    [Fact]
    public void ATurnHolderThatDoesNotComeBackInTime_LosesItsPlace()
    {
        var turns = new PacingTurns(Grace);
        turns.Waiting("gone", T0.AddSeconds(2));

        Assert.Null(turns.Held("single", T0.AddSeconds(5.1)));
        Assert.Empty(turns.Line);
    }

    [Fact]
    public void ACampaignAlone_IsNeverHeldBack()
    {
        var turns = new PacingTurns(Grace);
        turns.Waiting("only", T0.AddSeconds(2));
        Assert.Null(turns.Held("only", T0.AddSeconds(2)));
        turns.Sent("only", T0.AddSeconds(4));
        Assert.Empty(turns.Line);
        Assert.Null(turns.Held("only", T0.AddSeconds(4)));
    }

    [Fact]
    public void TheLine_IsBounded()
    {
        var turns = new PacingTurns(Grace);
        for (var i = 0; i < PacingTurns.Capacity + 10; i++)
        {
            turns.Waiting($"c{i}", T0);
        }
        Assert.Equal(PacingTurns.Capacity, turns.Line.Count);
        Assert.Equal("c0", turns.Line[0]);
    }

    [Fact]
    public void ACampaignJoinsTheLineOnce()
    {
        var turns = new PacingTurns(Grace);
        turns.Waiting("a", T0);
        turns.Waiting("b", T0);
        turns.Waiting("a", T0);
        Assert.NotNull(turns.Held("b", T0));
        Assert.Equal(["a", "b"], turns.Line);
    }
}
