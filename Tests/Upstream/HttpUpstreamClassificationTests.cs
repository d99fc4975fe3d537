using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OrleansBreaker.Tests.Simulator;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Upstream;

/// <summary>
/// The silo's HTTP upstream and the real classifier, against the simulator's real HTTP answers and
/// against a stub provider that misbehaves on purpose.
/// </summary>
public sealed class HttpUpstreamClassificationTests(SimulatorFixture sim, HostileProvider hostile)
    : IClassFixture<SimulatorFixture>, IClassFixture<HostileProvider>, IDisposable
{
    private readonly string _id = SimulatorFixture.NewAccountId();
    private readonly UpstreamHost _toSimulator = new(sim.BaseAddress);
    private readonly BodyReadCounter _bodyRead = new();
    private UpstreamHost? _toHostile;

    private UpstreamHost ToHostile => _toHostile ??= new UpstreamHost(hostile.BaseAddress, s => s.AddHttpClient(HttpLinkedInUpstream.ClientName).AddHttpMessageHandler(() => _bodyRead));

    public void Dispose()
    {
        _toSimulator.Dispose();
        _toHostile?.Dispose();
    }

    private async Task<(UpstreamAnswer Answer, UpstreamVerdict Verdict)> SendToSimulatorAsync(ActionType action, string settings = "{}", TimeSpan? timeout = null)
    {
        await sim.ConfigureAsync(_id, settings);
        var answer = await _toSimulator.SendAsync(_id, action, timeout: timeout);
        return (answer, UpstreamClassifier.Classify(action, answer));
    }

    private async Task<(UpstreamAnswer Answer, UpstreamVerdict Verdict)> SendToHostileAsync(string scenario, TimeSpan? timeout = null)
    {
        var answer = await ToHostile.SendAsync(scenario, ActionType.Message, timeout: timeout);
        return (answer, UpstreamClassifier.Classify(ActionType.Message, answer));
    }

    [Fact]
    public async Task Delivered_IsDelivered_AndTheSimulatorGotTheProspectAndTheKey()
    {
        await sim.ConfigureAsync(_id, """{"acceptRate":1}""");

        var first = await _toSimulator.SendAsync(_id, ActionType.Invite, "p-42", key: "c1/p-42/0");
        var again = await _toSimulator.SendAsync(_id, ActionType.Invite, "p-42", key: "c1/p-42/0");

        Assert.Equal(OutcomeClass.Delivered, UpstreamClassifier.Classify(ActionType.Invite, first).Class);
        Assert.Equal(OutcomeClass.Delivered, UpstreamClassifier.Classify(ActionType.Invite, again).Class);
        var account = await sim.AccountAsync(_id);
        Assert.Equal(2, SimulatorFixture.Count(account, "delivered", "Invite"));
        Assert.Equal(1, account.GetProperty("duplicateKeys").GetInt32());
        Assert.Equal("p-42", (await sim.OutcomesAsync(_id)).GetProperty("items")[0].GetProperty("prospectId").GetString());
    }

    [Fact]
    public async Task ServerError_IsUpstreamError_NotUncertain()
    {
        var (_, verdict) = await SendToSimulatorAsync(ActionType.Invite, """{"fault":"ServerError"}""");

        Assert.Equal(new UpstreamVerdict(OutcomeClass.UpstreamError, WireCodes.ServerError), verdict);
    }

    [Fact]
    public async Task RateLimited_IsRateLimited()
    {
        var (_, verdict) = await SendToSimulatorAsync(ActionType.ViewProfile, """{"fault":"RateLimited"}""");

        Assert.Equal(OutcomeClass.RateLimited, verdict.Class);
        Assert.False(verdict.OutcomeUncertain);
    }

    [Fact]
    public async Task Timeout_IsTimedOut_AnUncertainUpstreamError_AndTheSimulatorDeliveredNothing()
    {
        var (answer, verdict) = await SendToSimulatorAsync(ActionType.InMail, """{"fault":"Timeout"}""", TimeSpan.FromMilliseconds(300));

        Assert.Equal(TransportOutcome.TimedOut, answer.Transport);
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
        var account = await sim.AccountAsync(_id);
        Assert.Equal(1, SimulatorFixture.Count(account, "calls", "InMail"));
        Assert.Equal(0, SimulatorFixture.Count(account, "delivered", "InMail"));
    }

    [Fact]
    public async Task LatencyBeyondTheCallersTimeout_IsUncertain_AndIndeedTheSimulatorDelivered()
    {
        var (answer, verdict) = await SendToSimulatorAsync(ActionType.Message, """{"latencyMs":10000}""", TimeSpan.FromMilliseconds(300));

        Assert.Equal(TransportOutcome.TimedOut, answer.Transport);
        Assert.True(verdict.OutcomeUncertain);
        Assert.Equal(1, SimulatorFixture.Count(await sim.AccountAsync(_id), "delivered", "Message"));
    }

    [Fact]
    public async Task Garbage_IsAnUncertainUpstreamError()
    {
        var (answer, verdict) = await SendToSimulatorAsync(ActionType.Message, """{"fault":"Garbage"}""");

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
    }

    [Fact]
    public async Task OutOfInMailCredits_IsCreditsExhausted()
    {
        var (_, verdict) = await SendToSimulatorAsync(ActionType.InMail, """{"inMailCredits":0}""");

        Assert.Equal(new UpstreamVerdict(OutcomeClass.CreditsExhausted, WireCodes.NotEnoughCredits), verdict);
    }

    [Fact]
    public async Task AmbiguousCreditRefusal_IsAnAmbiguousRecipientUnavailable()
    {
        var (_, verdict) = await SendToSimulatorAsync(ActionType.InMail, """{"inMailCredits":0,"ambiguousCreditRefusals":true}""");

        Assert.Equal(new UpstreamVerdict(OutcomeClass.RecipientUnavailable, WireCodes.InMailRefused, Ambiguous: true), verdict);
    }

    [Fact]
    public async Task UnreachableRecipient_IsRecipientUnavailable()
    {
        var (_, verdict) = await SendToSimulatorAsync(ActionType.Message, """{"unreachableRecipients":["p1"]}""");

        Assert.Equal(new UpstreamVerdict(OutcomeClass.RecipientUnavailable, WireCodes.RecipientUnavailable), verdict);
    }

    [Fact]
    public async Task Disconnected_IsAccountDisconnected()
    {
        var (_, verdict) = await SendToSimulatorAsync(ActionType.Invite, """{"status":"Disconnected"}""");

        Assert.Equal(new UpstreamVerdict(OutcomeClass.AccountDisconnected, WireCodes.SessionExpired), verdict);
    }

    [Fact]
    public async Task Restricted_IsAccountRestricted()
    {
        var (_, verdict) = await SendToSimulatorAsync(ActionType.EndorseSkill, """{"status":"Restricted"}""");

        Assert.Equal(new UpstreamVerdict(OutcomeClass.AccountRestricted, WireCodes.AccountRestricted), verdict);
    }

    [Fact]
    public async Task WeeklyInvitationLimit_IsActionLimitReached()
    {
        var (_, first) = await SendToSimulatorAsync(ActionType.Invite, """{"inviteWeeklyLimit":1}""");
        var second = UpstreamClassifier.Classify(ActionType.Invite, await _toSimulator.SendAsync(_id, ActionType.Invite, "p2"));

        Assert.Equal(OutcomeClass.Delivered, first.Class);
        Assert.Equal(new UpstreamVerdict(OutcomeClass.ActionLimitReached, WireCodes.WeeklyInvitationLimit), second);
    }

    [Fact]
    public async Task EmptySuccessBody_IsAnUncertainUpstreamError()
    {
        var (answer, verdict) = await SendToHostileAsync("empty");

        Assert.Equal((200, ""), (answer.StatusCode, answer.Body));
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
    }

    [Fact]
    public async Task TruncatedJsonSuccess_IsAnUncertainUpstreamError()
    {
        var (_, verdict) = await SendToHostileAsync("truncated");

        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
    }

    [Fact]
    public async Task TenMegabyteDeliveredBody_IsReadOnlyUpToTheCap_AndIsAnUncertainUpstreamError()
    {
        var (answer, verdict) = await SendToHostileAsync("huge");

        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
        Assert.Equal(UpstreamClassifier.MaxBodyChars + 1, answer.Body?.Length);
        Assert.InRange(_bodyRead.Bytes, UpstreamClassifier.MaxBodyChars + 1, 1024 * 1024);
    }

    [Fact]
    public async Task NonJsonServerError_IsUpstreamError_NotUncertain()
    {
        var (answer, verdict) = await SendToHostileAsync("text500");

        Assert.Equal((500, "Internal Server Error: upstream exploded"), (answer.StatusCode, answer.Body));
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.False(verdict.OutcomeUncertain);
    }

    [Fact]
    public async Task DeliveredBodyCutMidStream_KeepsTheStatusAndPartialBody_AndIsUncertain()
    {
        var (answer, verdict) = await SendToHostileAsync("cut");

        Assert.Equal(TransportOutcome.Answered, answer.Transport);
        Assert.Equal((200, HostileProvider.CutBody), (answer.StatusCode, answer.Body));
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
    }

    [Fact]
    public async Task ConnectionClosedWithoutAnswer_IsUncertain_AndTheRequestIsNotRetried()
    {
        var (answer, verdict) = await SendToHostileAsync("hangup");

        Assert.Equal(TransportOutcome.TimedOut, answer.Transport);
        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
        Assert.Equal(1, hostile.Hits["hangup"]);
    }

    [Fact]
    public async Task ConnectionRefused_IsNotConnected_AnUpstreamErrorThatIsNotUncertain()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var upstream = new UpstreamHost(new Uri($"http://127.0.0.1:{port}"));

        var answer = await upstream.SendAsync("a1", ActionType.Invite);

        Assert.Equal(UpstreamAnswer.NotConnected, answer);
        Assert.Equal(new UpstreamVerdict(OutcomeClass.UpstreamError, "connection failed"), UpstreamClassifier.Classify(ActionType.Invite, answer));
    }

    [Fact]
    public async Task ConnectionThatNeverCompletes_IsNotConnected_BeforeTheCallersTimeout()
    {
        // A listener whose accept queue is full: on Linux further SYNs are dropped and the connect hangs
        // (elsewhere it is refused). Either way nothing was sent, which the caller's timeout could not tell.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await occupant.ConnectAsync(full.LocalEndPoint!);
        using var upstream = new UpstreamHost(new Uri($"http://127.0.0.1:{((IPEndPoint)full.LocalEndPoint!).Port}"),
            settings: new Dictionary<string, string?> { ["Upstream:ConnectTimeout"] = "00:00:00.300" });

        var answer = await upstream.SendAsync("a1", ActionType.Invite, timeout: TimeSpan.FromSeconds(3));

        Assert.Equal(UpstreamAnswer.NotConnected, answer);
    }

    [Fact]
    public async Task AlreadyCancelledCall_IsNotConnected_AndSendsNothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var answer = await ToHostile.Upstream.SendAsync(new UpstreamRequest("never", ActionType.Invite, "p1", null, "k"), cancelled.Token);

        Assert.Equal(UpstreamAnswer.NotConnected, answer);
        Assert.False(hostile.Hits.ContainsKey("never"));
    }

    [Fact]
    public async Task BaseUrlWithAPath_PrefixesTheProviderPath()
    {
        using var upstream = new UpstreamHost(new Uri(hostile.BaseAddress, "provider/api"));

        var answer = await upstream.SendAsync("prefixed", ActionType.Invite);

        Assert.Equal(OutcomeClass.Delivered, UpstreamClassifier.Classify(ActionType.Invite, answer).Class);
        Assert.Contains("/provider/api/v1/accounts/prefixed/actions", hostile.Paths);
    }
}
