using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansBreaker.Tests.Simulator;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Upstream;

/// <summary>The silo's HTTP upstream reads the simulator's real provider-wide feed of accepts and replies.</summary>
public sealed class HttpOutcomeFeedTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>, IDisposable
{
    private readonly string _id = SimulatorFixture.NewAccountId();
    private readonly UpstreamHost _upstream = new(sim.BaseAddress);

    public void Dispose() => _upstream.Dispose();

    [Fact]
    public async Task AcceptsAndReplies_ComeBackFromTheProviderWideFeed_WithAccountAndTheKeyOfTheDispatchTheyFollow_AfterTheCursor()
    {
        var other = SimulatorFixture.NewAccountId();
        await sim.ConfigureAsync(_id, """{"acceptRate":1,"replyRate":1}""");
        await sim.ConfigureAsync(other, """{"acceptRate":1,"replyRate":1}""");
        var since = (await sim.FeedStatsAsync()).GetProperty("lastSeq").GetInt64();
        await _upstream.SendAsync(_id, ActionType.Invite, "p1", "ws/camp/p1/0");
        await _upstream.SendAsync(other, ActionType.Message, "p2", "ws/camp/p2/1");
        await _upstream.SendAsync(_id, ActionType.ViewProfile, "p3", "ws/camp/p3/0"); // no outcome for profile views

        var all = await _upstream.Upstream.ReadFeedAsync(since, 100, CancellationToken.None);
        var after = await _upstream.Upstream.ReadFeedAsync(all.Items[0].Seq, 100, CancellationToken.None);

        Assert.Equal([(_id, EventKind.Accepted, ActionType.Invite, "p1", "ws/camp/p1/0"), (other, EventKind.Replied, ActionType.Message, "p2", "ws/camp/p2/1")],
            all.Items.Select(o => (o.AccountId, o.Kind, o.Action, o.ProspectId, o.IdempotencyKey!)));
        Assert.Equal(all.Items[^1].Seq, all.Next);
        Assert.Equal(["p2"], after.Items.Select(o => o.ProspectId));
        Assert.Equal(0, (await sim.FeedStatsAsync()).GetProperty("accountFeedReads").GetInt64());
    }

    [Fact]
    public async Task AnUnreachableFeed_ReadsAsAnEmptyPage_AtTheSameCursor()
    {
        using var nowhere = new UpstreamHost(new Uri("http://127.0.0.1:9"));

        var page = await nowhere.Upstream.ReadFeedAsync(42, 100, CancellationToken.None);

        Assert.Empty(page.Items);
        Assert.Equal(42, page.Next);
    }

    [Fact]
    public async Task AnUnreadableEntry_IsDropped_ButTheCursorMovesPastIt()
    {
        const string body = """
            {"items":[
              {"seq":7,"accountId":"a1","prospectId":"p1","kind":"Accepted","action":"Invite","at":"2026-11-30T22:00:00Z","idempotencyKey":"ws/c/p1/0"},
              {"seq":8,"accountId":"a1","prospectId":"p2","kind":"Exploded","action":"Invite","at":"2026-11-30T22:00:00Z","idempotencyKey":"ws/c/p2/0"},
              {"seq":9,"prospectId":"p3","kind":"Replied","action":"Message","at":"2026-11-30T22:00:00Z","idempotencyKey":"ws/c/p3/1"}
            ],"next":9}
            """;
        using var provider = new UpstreamHost(new Uri("http://127.0.0.1:9"), services =>
            services.AddHttpClient(HttpLinkedInUpstream.ClientName).ConfigurePrimaryHttpMessageHandler(() => new FixedAnswer(body)));

        var page = await provider.Upstream.ReadFeedAsync(6, 100, CancellationToken.None);

        Assert.Equal(["p1"], page.Items.Select(o => o.ProspectId));
        Assert.Equal(9, page.Next);
    }

    private sealed class FixedAnswer(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }
}
