using Microsoft.Extensions.Options;
using OrleansBreaker.Campaigns;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Tests.Unit;

public sealed class CampaignRunGateUnitTests
{
    private static CampaignRunGate Gate(int limit) => new(Options.Create(new DispatchOptions { MaxConcurrentRuns = limit }));

    [Fact]
    public async Task TheGate_LetsInUpToItsLimit_AndTheNextWaitsUntilAPlaceIsGivenBack_InOrder()
    {
        var gate = Gate(2);
        var a = await gate.EnterAsync(CancellationToken.None);
        var b = await gate.EnterAsync(CancellationToken.None);
        var third = gate.EnterAsync(CancellationToken.None).AsTask();
        var fourth = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        Assert.Equal(2, gate.Running);
        Assert.Equal(2, gate.Waiting);
        Assert.Equal(2, gate.Waited);

        a.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        b.Dispose();
        (await fourth.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        Assert.Equal(0, gate.Running);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task AWaitCancelled_TakesNoPlace()
    {
        var gate = Gate(1);
        using var held = await gate.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = gate.EnterAsync(cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, gate.Waiting);
        Assert.Equal(1, gate.Running);
    }

    [Fact]
    public async Task ALimitChangedWhileRunsAreInProgress_AppliesToTheRunsThatStartAfterIt()
    {
        var gate = Gate(1);
        var old = await gate.EnterAsync(CancellationToken.None);
        gate.Limit = 3;
        var places = new List<CampaignRunGate.Place>();
        for (var i = 0; i < 3; i++)
        {
            places.Add(await gate.EnterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.False(gate.EnterAsync(CancellationToken.None).IsCompleted);
        old.Dispose(); // given back to the limit it was taken under
        Assert.Equal(3, gate.Running);
    }

    [Fact]
    public async Task ManyCallersRacingForTheGate_NeverHoldMoreThanItsLimit()
    {
        var gate = Gate(5);
        var inside = 0;
        var most = 0;
        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                using (await gate.EnterAsync(CancellationToken.None))
                {
                    var now = Interlocked.Increment(ref inside);
                    InterlockedMax(ref most, now);
                    await Task.Yield();
                    Interlocked.Decrement(ref inside);
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
