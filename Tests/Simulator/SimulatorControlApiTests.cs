using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansBreaker.Simulator;
using OrleansBreaker.Upstream;
using OrleansBreaker.Web;

namespace OrleansBreaker.Tests.Simulator;

/// <summary>The simulator's control API (API.md §4) and its provider answers, over real HTTP.</summary>
public sealed class SimulatorControlApiTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private readonly string _id = SimulatorFixture.NewAccountId();

    [Fact]
    public async Task Put_AnswersTheAccount_WithApiMdPropertyNamesAndEnumNames()
    {
        using var response = await sim.PutAsync(_id,
            """{"inMailCredits":7,"inviteWeeklyLimit":30,"status":"Restricted","fault":"RateLimited","latencyMs":0,"acceptRate":0.25,"replyRate":0.5}""");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var account = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(_id, account.GetProperty("id").GetString());
        Assert.Equal(7, account.GetProperty("inMailCredits").GetInt32());
        Assert.Equal("Restricted", account.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Object, account.GetProperty("calls").ValueKind);
        Assert.Equal(JsonValueKind.Object, account.GetProperty("delivered").ValueKind);
        Assert.Equal(0, account.GetProperty("duplicateKeys").GetInt32());
        Assert.Equal(30, account.GetProperty("inviteWeeklyLimit").GetInt32());
        Assert.Equal("RateLimited", account.GetProperty("fault").GetString());
        Assert.Equal(0.25, account.GetProperty("acceptRate").GetDouble());
        Assert.Equal(0.5, account.GetProperty("replyRate").GetDouble());
        Assert.Equal(account.GetRawText(), (await sim.AccountAsync(_id)).GetRawText());
    }

    [Fact]
    public async Task UnseenAccount_HasTheDefaults()
    {
        var account = await sim.AccountAsync(_id);

        Assert.Equal(_id, account.GetProperty("id").GetString());
        Assert.Equal(SimulatedLinkedIn.MonthlyInMailCredits, account.GetProperty("inMailCredits").GetInt32());
        Assert.Equal(SimulatedLinkedIn.DefaultInviteWeeklyLimit, account.GetProperty("inviteWeeklyLimit").GetInt32());
        Assert.Equal("Connected", account.GetProperty("status").GetString());
        Assert.Equal("None", account.GetProperty("fault").GetString());
        Assert.Equal(0, account.GetProperty("latencyMs").GetInt32());
        Assert.Empty(account.GetProperty("calls").EnumerateObject());
        Assert.Empty(account.GetProperty("delivered").EnumerateObject());
        Assert.Equal(0, account.GetProperty("duplicateKeys").GetInt32());
    }

    [Fact]
    public async Task Put_WithSomeFields_KeepsTheOthers_AndAnEmptyBodyChangesNothing()
    {
        await sim.ConfigureAsync(_id, """{"inMailCredits":3,"status":"Disconnected"}""");

        var afterPartial = await sim.ConfigureAsync(_id, """{"fault":"Garbage","status":null}""");
        using var empty = await sim.Http.PutAsync($"/sim/accounts/{_id}", content: null);

        Assert.Equal(3, afterPartial.GetProperty("inMailCredits").GetInt32());
        Assert.Equal("Disconnected", afterPartial.GetProperty("status").GetString());
        Assert.Equal("Garbage", afterPartial.GetProperty("fault").GetString());
        Assert.Equal(200, (int)empty.StatusCode);
        Assert.Equal(afterPartial.GetRawText(), (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetRawText());
    }

    [Fact]
    public async Task Calls_CountEveryRequestPerActionType_DeliveredOnlyTheAcceptedOnes()
    {
        await sim.ConfigureAsync(_id, """{"inMailCredits":1}""");

        using var first = await sim.ActAsync(_id, "InMail", "p1");
        using var refused = await sim.ActAsync(_id, "InMail", "p2");
        using var invite = await sim.ActAsync(_id, "Invite", "p1");

        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal(402, (int)refused.StatusCode);
        Assert.Equal("""{"error":"NOT_ENOUGH_CREDITS","message":"Not enough credits"}""", await refused.Content.ReadAsStringAsync());
        var account = await sim.AccountAsync(_id);
        Assert.Equal("""{"Invite":1,"InMail":2}""", account.GetProperty("calls").GetRawText());
        Assert.Equal("""{"Invite":1,"InMail":1}""", account.GetProperty("delivered").GetRawText());
        Assert.Equal(0, account.GetProperty("inMailCredits").GetInt32());
    }

    [Fact]
    public async Task DeliveredAnswer_IsTheWireFormat_WithAnActionId()
    {
        using var response = await sim.ActAsync(_id, "ViewProfile");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("delivered", body.GetProperty("result").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("actionId").GetString()));
    }

    [Fact]
    public async Task RepeatingAnIdempotencyKeyAlreadyDelivered_CountsADuplicate_RepeatingARefusedOneDoesNot()
    {
        await sim.ConfigureAsync(_id, """{"inMailCredits":0}""");
        (await sim.ActAsync(_id, "InMail", key: "c1/p1/0")).Dispose();
        (await sim.ActAsync(_id, "InMail", key: "c1/p1/0")).Dispose();
        Assert.Equal(0, (await sim.AccountAsync(_id)).GetProperty("duplicateKeys").GetInt32());

        (await sim.ActAsync(_id, "Invite", key: "c1/p1/1")).Dispose();
        (await sim.ActAsync(_id, "Invite", key: "c1/p2/1")).Dispose();
        (await sim.ActAsync(_id, "Invite", key: "c1/p1/1")).Dispose();

        var account = await sim.AccountAsync(_id);
        Assert.Equal(1, account.GetProperty("duplicateKeys").GetInt32());
        Assert.Equal(3, SimulatorFixture.Count(account, "calls", "Invite"));
    }

    [Fact]
    public async Task InMailCredits_RenewTo50_OnThe1stAtMidnightUtc_OnTheSimulatorClock()
    {
        var now = sim.Clock.GetUtcNow();
        var nextMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        await sim.ConfigureAsync(_id, """{"inMailCredits":0}""");

        sim.Clock.Advance(nextMonth - now - TimeSpan.FromSeconds(1));
        var justBefore = await sim.AccountAsync(_id);
        using var refused = await sim.ActAsync(_id, "InMail");
        sim.Clock.Advance(TimeSpan.FromSeconds(1));
        var after = await sim.AccountAsync(_id);
        using var delivered = await sim.ActAsync(_id, "InMail");

        Assert.Equal(0, justBefore.GetProperty("inMailCredits").GetInt32());
        Assert.Equal(402, (int)refused.StatusCode);
        Assert.Equal(50, after.GetProperty("inMailCredits").GetInt32());
        Assert.Equal(200, (int)delivered.StatusCode);
        Assert.Equal(49, (await sim.AccountAsync(_id)).GetProperty("inMailCredits").GetInt32());
    }

    [Theory]
    [InlineData("ServerError", 500, "SERVER_ERROR")]
    [InlineData("RateLimited", 429, "RATE_LIMITED")]
    public async Task ErrorFaults_AnswerEveryActionTypeWithTheirCode_AndDeliverNothing(string fault, int status, string code)
    {
        await sim.ConfigureAsync(_id, $$"""{"fault":"{{fault}}"}""");

        foreach (var action in ActionTypes.All)
        {
            using var response = await sim.ActAsync(_id, action.ToString());
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }
        var account = await sim.AccountAsync(_id);
        Assert.Equal(ActionTypes.All.Count, account.GetProperty("calls").EnumerateObject().Count());
        Assert.Empty(account.GetProperty("delivered").EnumerateObject());
    }

    [Fact]
    public async Task GarbageFault_Answers200WithABodyThatIsNotJson()
    {
        await sim.ConfigureAsync(_id, """{"fault":"Garbage"}""");

        using var response = await sim.ActAsync(_id, "Message");

        Assert.Equal(200, (int)response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
        Assert.Empty((await sim.AccountAsync(_id)).GetProperty("delivered").EnumerateObject());
    }

    [Fact]
    public async Task TimeoutFault_HoldsTheRequestUnanswered_DeliversNothing_UntilSetBackToNone()
    {
        await sim.ConfigureAsync(_id, """{"fault":"Timeout"}""");
        using var impatient = new HttpClient { BaseAddress = sim.BaseAddress, Timeout = TimeSpan.FromMilliseconds(300) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sim.ActAsync(_id, "InMail", client: impatient));
        var held = await sim.AccountAsync(_id);
        await sim.ConfigureAsync(_id, """{"fault":"None"}""");
        using var after = await sim.ActAsync(_id, "InMail");

        Assert.Equal(1, SimulatorFixture.Count(held, "calls", "InMail"));
        Assert.Equal(0, SimulatorFixture.Count(held, "delivered", "InMail"));
        Assert.Equal(50, held.GetProperty("inMailCredits").GetInt32());
        Assert.Equal(200, (int)after.StatusCode);
    }

    [Fact]
    public async Task Latency_DelaysTheAnswer()
    {
        await sim.ConfigureAsync(_id, """{"latencyMs":300}""");

        var watch = Stopwatch.StartNew();
        using var response = await sim.ActAsync(_id, "EngagePost");
        watch.Stop();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"answered after {watch.Elapsed}");
    }

    [Fact]
    public async Task Latency_ActionIsPerformedOnArrival_SoACallerThatGivesUpLeavesItDelivered()
    {
        await sim.ConfigureAsync(_id, """{"latencyMs":10000}""");
        using var impatient = new HttpClient { BaseAddress = sim.BaseAddress, Timeout = TimeSpan.FromMilliseconds(300) };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sim.ActAsync(_id, "InMail", client: impatient));

        var account = await sim.AccountAsync(_id);
        Assert.Equal(1, SimulatorFixture.Count(account, "delivered", "InMail"));
        Assert.Equal(49, account.GetProperty("inMailCredits").GetInt32());
    }

    [Fact]
    public async Task AcceptAndReplyRatesOfOne_RecordAnOutcomePerDeliveredInviteMessageAndInMail_InTheFeed()
    {
        await sim.ConfigureAsync(_id, """{"acceptRate":1,"replyRate":1,"inMailCredits":1}""");
        foreach (var (action, prospect) in new[] { ("Invite", "p1"), ("ViewProfile", "p2"), ("Message", "p3"), ("InMail", "p4"), ("InMail", "p5") })
        {
            (await sim.ActAsync(_id, action, prospect)).Dispose();
        }

        var feed = await sim.OutcomesAsync(_id, "?since=0");

        var items = feed.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(["1 p1 Accepted Invite", "2 p3 Replied Message", "3 p4 Replied InMail"],
            items.Select(i => $"{i.GetProperty("seq").GetInt64()} {i.GetProperty("prospectId").GetString()} {i.GetProperty("kind").GetString()} {i.GetProperty("action").GetString()}"));
        Assert.All(items, i => Assert.EndsWith("Z", i.GetProperty("at").GetString()));
        Assert.Equal(sim.Clock.GetUtcNow(), items[0].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(3, feed.GetProperty("next").GetInt64());
    }

    [Fact]
    public async Task OutcomeFeed_PagesWithSinceAndLimit_AndNextStaysPutWhenNothingIsNew()
    {
        await sim.ConfigureAsync(_id, """{"acceptRate":1}""");
        for (var i = 1; i <= 3; i++)
        {
            (await sim.ActAsync(_id, "Invite", $"p{i}")).Dispose();
        }

        var first = await sim.OutcomesAsync(_id, "?limit=2");
        var rest = await sim.OutcomesAsync(_id, $"?since={first.GetProperty("next").GetInt64()}&limit=2");
        var none = await sim.OutcomesAsync(_id, $"?since={rest.GetProperty("next").GetInt64()}");

        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Equal(2, first.GetProperty("next").GetInt64());
        Assert.Equal("p3", rest.GetProperty("items")[0].GetProperty("prospectId").GetString());
        Assert.Equal(3, rest.GetProperty("next").GetInt64());
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        Assert.Equal(3, none.GetProperty("next").GetInt64());
    }

    [Fact]
    public async Task RatesOfZero_RecordNoOutcomes()
    {
        await sim.ConfigureAsync(_id, """{"acceptRate":0,"replyRate":0}""");
        (await sim.ActAsync(_id, "Invite")).Dispose();
        (await sim.ActAsync(_id, "Message")).Dispose();

        var feed = await sim.OutcomesAsync(_id);

        Assert.Equal(0, feed.GetProperty("items").GetArrayLength());
        Assert.Equal(0, feed.GetProperty("next").GetInt64());
    }

    [Theory]
    [InlineData("""{"inMailCredits":5""", "not valid JSON")]
    [InlineData("""not json at all""", "not valid JSON")]
    [InlineData("""[1,2]""", "must be a JSON object")]
    [InlineData("""{"status":"Sleeping"}""", "status must be one of Connected, Disconnected, Restricted")]
    [InlineData("""{"status":1}""", "status must be one of")]
    [InlineData("""{"fault":"Explode"}""", "fault must be one of None, ServerError, Timeout, RateLimited, Garbage")]
    [InlineData("""{"inMailCredits":-1}""", "inMailCredits must be a whole number")]
    [InlineData("""{"inMailCredits":"5"}""", "inMailCredits must be a whole number")]
    [InlineData("""{"inMailCredits":2.5}""", "inMailCredits must be a whole number")]
    [InlineData("""{"inviteWeeklyLimit":-3}""", "inviteWeeklyLimit must be a whole number")]
    [InlineData("""{"latencyMs":-10}""", "latencyMs must be a whole number")]
    [InlineData("""{"latencyMs":99999999}""", "latencyMs must be a whole number from 0 to 300000")]
    [InlineData("""{"acceptRate":1.5}""", "acceptRate must be a number from 0 to 1")]
    [InlineData("""{"replyRate":-0.1}""", "replyRate must be a number from 0 to 1")]
    [InlineData("""{"inmailCredit":5}""", "Unknown field 'inmailCredit'")]
    [InlineData("""{"unreachableRecipients":["\ud800"]}""", "UTF")]
    [InlineData("""{"\udc00":5}""", "UTF")]
    public async Task BadInput_Is400ProblemJson_WithADetailThatSaysWhatIsWrong(string body, string detail)
    {
        await sim.ConfigureAsync(_id, """{"inMailCredits":9}""");

        using var response = await sim.PutAsync(_id, body);

        await AssertProblemAsync(response, 400, detail);
        Assert.Equal(9, (await sim.AccountAsync(_id)).GetProperty("inMailCredits").GetInt32());
    }

    [Theory]
    [InlineData("bad%20id")]
    [InlineData("a.b")]
    [InlineData("abc%0A")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public async Task InvalidAccountId_Is400ProblemJson_OnEveryRoute(string id)
    {
        using var put = await sim.PutAsync(id, "{}");
        using var get = await sim.Http.GetAsync($"/sim/accounts/{id}");
        using var outcomes = await sim.Http.GetAsync($"/sim/accounts/{id}/outcomes");
        using var act = await sim.ActAsync(id, "Invite");

        await AssertProblemAsync(put, 400, "is not a valid id");
        await AssertProblemAsync(get, 400, "is not a valid id");
        await AssertProblemAsync(outcomes, 400, "is not a valid id");
        await AssertProblemAsync(act, 400, "is not a valid id");
    }

    [Theory]
    [InlineData("?since=-1", "since")]
    [InlineData("?since=abc", "since")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=5000", "limit")]
    public async Task BadOutcomeQuery_Is400ProblemJson(string query, string parameter)
    {
        using var response = await sim.Http.GetAsync($"/sim/accounts/{_id}/outcomes{query}");

        await AssertProblemAsync(response, 400, $"Query parameter '{parameter}'");
    }

    [Theory]
    [InlineData("""{"action":"Poke","prospectId":"p1","idempotencyKey":"k"}""", "action must be one of")]
    [InlineData("""{"action":"2","prospectId":"p1","idempotencyKey":"k"}""", "action must be one of")]
    [InlineData("""{"action":"Invite","idempotencyKey":"k"}""", "prospectId is required")]
    [InlineData("""{"action":"Invite","prospectId":"p1"}""", "idempotencyKey is required")]
    [InlineData("""{"action":"Invite","prospectId":"p1","idempotencyKey":""}""", "idempotencyKey must be a string")]
    [InlineData("""{"action":"Invite",""", "not valid JSON")]
    [InlineData("""{"action":"Invite","prospectId":"p1","idempotencyKey":"k\ud800"}""", "UTF")]
    [InlineData("", "The body is empty")]
    public async Task BadProviderRequest_Is400ProblemJson_AndIsNotCountedAsACall(string body, string detail)
    {
        using var response = await sim.Http.PostAsync($"/v1/accounts/{_id}/actions", new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, 400, detail);
        Assert.Empty((await sim.AccountAsync(_id)).GetProperty("calls").EnumerateObject());
    }

    [Theory]
    [InlineData("/sim/accounts/{id}", "PUT", "{\"inMailCredits\":1,\"unreachableRecipients\":[\"", "\"]}")]
    [InlineData("/v1/accounts/{id}/actions", "POST", "{\"action\":\"Invite\",\"prospectId\":\"p1\",\"idempotencyKey\":\"", "\"}")]
    public async Task InvalidUtf8InABody_Is400ProblemJson_AndChangesNothing(string path, string method, string start, string end)
    {
        await sim.ConfigureAsync(_id, """{"inMailCredits":9}""");
        var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes(start), 0xFF, .. Encoding.UTF8.GetBytes(end)]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await sim.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", _id)) { Content = content });

        await AssertProblemAsync(response, 400, "UTF-8");
        var account = await sim.AccountAsync(_id);
        Assert.Empty(account.GetProperty("calls").EnumerateObject());
        Assert.Equal(9, account.GetProperty("inMailCredits").GetInt32());
    }

    [Fact]
    public async Task BodyOver1MiB_Is413ProblemJson()
    {
        var huge = """{"unreachableRecipients":[""" + string.Join(",", Enumerable.Repeat("\"p1234567890\"", 100_000)) + "]}";

        using var response = await sim.PutAsync(_id, huge);

        await AssertProblemAsync(response, 413, "over");
    }

    [Fact]
    public async Task ClockStart_StartsTheSimulatorClockThere_AndItRuns()
    {
        var start = new DateTimeOffset(2026, 11, 30, 23, 59, 0, TimeSpan.Zero);
        var app = SimulatorApp.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Clock:Start=2026-11-30T23:59:00Z"]);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
            var now = (await http.GetFromJsonAsync<JsonElement>("/sim/clock")).GetProperty("now").GetDateTimeOffset();

            Assert.InRange(now, start, start.AddMinutes(1));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task BadInput_IsLogged_SayingWhatWasWrong()
    {
        var app = SimulatorApp.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:OrleansBreaker=Information"]);
        var lines = new CapturedLog();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(lines);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
            using var response = await http.PutAsync("/sim/accounts/logged", new StringContent("""{"inMailCredits":-1}""", Encoding.UTF8, "application/json"));

            Assert.Equal(400, (int)response.StatusCode);
            var line = Assert.Single(lines.Messages, m => m.Category == Problems.LogCategory);
            Assert.Contains("PUT /sim/accounts/logged", line.Text);
            Assert.Contains("inMailCredits must be a whole number", line.Text);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class CapturedLog : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Category, string Text)> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Messages);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<(string, string)> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue((category, formatter(state, exception)));
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string detailContains)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString());
    }
}
