using Microsoft.Extensions.Options;
using OrleansBreaker.Campaigns;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Tests.Unit;

public sealed class CampaignRunGateUnitTests
{
    private static CampaignRunGate Gate(int limit) => new(Options.Create(new DispatchOptions { MaxConcurrentRuns = limit }));

    [Fact]
    public void TheGate_LetsInUpToItsLimit_CountsWhomItTurnsAway_AndAPlaceFreedIsTakenAgain()
    {
        var gate = Gate(3);
        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        Assert.False(gate.TryEnter());
        Assert.False(gate.TryEnter());
        Assert.Equal(3, gate.Running);
        Assert.Equal(2, gate.Deferred);

        gate.Exit();
        Assert.True(gate.TryEnter());
        Assert.False(gate.TryEnter());
        Assert.Equal(3, gate.Deferred);
    }

    [Fact]
    public void ALimitChangedWhileRunsAreInProgress_AppliesToTheRunsThatStartAfterIt()
    {
        var gate = Gate(4);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(gate.TryEnter());
        }
        gate.Limit = 2;
        gate.Exit();
        gate.Exit();
        Assert.False(gate.TryEnter()); // two still run: the new limit is reached
        gate.Exit();
        Assert.True(gate.TryEnter());

        gate.Limit = int.MaxValue;
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(gate.TryEnter()));
    }

    [Fact]
    public async Task ManyThreadsRacingForTheGate_NeverHoldMoreThanItsLimit()
    {
        var gate = Gate(5);
        var most = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                if (gate.TryEnter())
                {
                    var running = gate.Running;
                    InterlockedMax(ref most, running);
                    gate.Exit();
                }
            }
        })));
        Assert.InRange(most, 1, 5);
        Assert.Equal(0, gate.Running);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var now && now != seen)
        {
            seen = now;
        }
    }
}
