using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OrleansBreaker.Simulator;
using OrleansBreaker.Tests.Upstream;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Simulator;

/// <summary>
/// The in-process simulator (embedded default, cluster tests) and the HTTP simulator service (run.sh)
/// must behave identically: the same settings and calls give the same answers.
/// </summary>
public sealed class SimulatorParityTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>, IDisposable
{
    private readonly UpstreamHost _http = new(sim.BaseAddress);

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"inMailCredits":1,"inviteWeeklyLimit":1}""")]
    [InlineData("""{"inMailCredits":0,"ambiguousCreditRefusals":true}""")]
    [InlineData("""{"status":"Disconnected"}""")]
    [InlineData("""{"status":"Restricted"}""")]
    [InlineData("""{"unreachableRecipients":["p1"]}""")]
    [InlineData("""{"fault":"ServerError"}""")]
    [InlineData("""{"fault":"RateLimited"}""")]
    [InlineData("""{"fault":"Garbage"}""")]
    [InlineData("""{"fault":"Timeout"}""")]
    public async Task SameSettingsAndCalls_GiveTheSameAnswers_InProcessAndOverHttp(string settings)
    {
        var id = SimulatorFixture.NewAccountId();
        var inProcess = new SimulatedLinkedIn(new FakeTimeProvider(sim.Clock.GetUtcNow()));
        using (var json = JsonDocument.Parse(settings))
        {
            Assert.True(AccountSettingsReader.TryRead(json.RootElement, out var parsed, out _));
            inProcess.Configure(id, parsed);
        }
        await sim.ConfigureAsync(id, settings);
        var timeout = settings.Contains("Timeout") ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(10);
        (ActionType Action, string Prospect)[] calls = settings.Contains("Timeout")
            ? [(ActionType.InMail, "p1")]
            : [(ActionType.Invite, "p1"), (ActionType.Invite, "p2"), (ActionType.InMail, "p1"), (ActionType.InMail, "p2"), (ActionType.Message, "p3")];

        foreach (var (action, prospect) in calls)
        {
            var key = $"c/{prospect}/{action}";
            using var deadline = new CancellationTokenSource(timeout);
            var local = await inProcess.SendAsync(new UpstreamRequest(id, action, prospect, null, key), deadline.Token);
            var remote = await _http.SendAsync(id, action, prospect, key, timeout);

            Assert.Equal(Normalise(local), Normalise(remote));
        }
        var localView = AccountJson.From(inProcess.View(id));
        var remoteView = await sim.AccountAsync(id);
        Assert.Equal(JsonSerializer.Serialize(localView.Calls), remoteView.GetProperty("calls").GetRawText());
        Assert.Equal(JsonSerializer.Serialize(localView.Delivered), remoteView.GetProperty("delivered").GetRawText());
        Assert.Equal(localView.InMailCredits, remoteView.GetProperty("inMailCredits").GetInt32());
    }

    [Fact]
    public async Task InProcessLatencyBeyondTheCallersToken_IsTimedOut_ButDelivered_AsOverHttp()
    {
        var inProcess = new SimulatedLinkedIn(new FakeTimeProvider(sim.Clock.GetUtcNow()));
        inProcess.Configure("a1", new SimulatedAccountSettings { Latency = TimeSpan.FromSeconds(10) });
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var answer = await inProcess.SendAsync(new UpstreamRequest("a1", ActionType.InMail, "p1", null, "k"), deadline.Token);

        Assert.Equal(UpstreamAnswer.TimedOut, answer);
        Assert.Equal(1, inProcess.View("a1").Delivered[ActionType.InMail]);
    }

    /// <summary>The answer with its random action id blanked out.</summary>
    private static UpstreamAnswer Normalise(UpstreamAnswer answer)
    {
        if (answer.Body is { } body && body.StartsWith('{'))
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("actionId", out _))
            {
                return answer with { Body = "delivered with an action id" };
            }
        }
        return answer;
    }
}
