using System.Net.Http.Json;
using OrleansBreaker.Tests.Simulator;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Upstream;

/// <summary>The silo's HTTP upstream reads the simulator's real feed of accepts and replies.</summary>
public sealed class HttpOutcomeFeedTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>, IDisposable
{
    private readonly string _id = SimulatorFixture.NewAccountId();
    private readonly UpstreamHost _upstream = new(sim.BaseAddress);

    public void Dispose() => _upstream.Dispose();

    [Fact]
    public async Task AcceptsAndReplies_ComeBackWithTheKeyOfTheDispatchTheyFollow_AfterTheCursor()
    {
        using var http = new HttpClient { BaseAddress = sim.BaseAddress };
        (await http.PutAsJsonAsync($"/sim/accounts/{_id}", new { acceptRate = 1.0, replyRate = 1.0 })).EnsureSuccessStatusCode();
        await _upstream.SendAsync(_id, ActionType.Invite, "p1", "camp/p1/0");
        await _upstream.SendAsync(_id, ActionType.Message, "p2", "camp/p2/1");
        await _upstream.SendAsync(_id, ActionType.ViewProfile, "p3", "camp/p3/0"); // no outcome for profile views

        var all = await _upstream.Upstream.ReadOutcomesAsync(_id, 0, CancellationToken.None);
        var after = await _upstream.Upstream.ReadOutcomesAsync(_id, all[0].Seq, CancellationToken.None);

        Assert.Equal([(EventKind.Accepted, "p1", "camp/p1/0"), (EventKind.Replied, "p2", "camp/p2/1")],
            all.Select(o => (o.Kind, o.ProspectId, o.IdempotencyKey!)));
        Assert.Equal(["p2"], after.Select(o => o.ProspectId));
    }

    [Fact]
    public async Task AnUnreachableFeed_ReadsAsNothingNew()
    {
        using var nowhere = new UpstreamHost(new Uri("http://127.0.0.1:9"));

        Assert.Empty(await nowhere.Upstream.ReadOutcomesAsync(_id, 0, CancellationToken.None));
    }
}
