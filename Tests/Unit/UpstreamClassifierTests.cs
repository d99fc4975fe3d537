using System.Text;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Unit;

public sealed class UpstreamClassifierTests
{
    private const string DeliveredBody = """{"result":"delivered","actionId":"a1"}""";

    private static string ErrorBody(string code, string message = "x") => $$"""{"error":"{{code}}","message":"{{message}}"}""";

    private static UpstreamVerdict Classify(ActionType action, int status, string? body) =>
        UpstreamClassifier.Classify(action, new UpstreamAnswer(status, body));

    [Theory]
    [InlineData(ActionType.InMail, 200)]
    [InlineData(ActionType.Invite, 201)]
    [InlineData(ActionType.Message, 202)]
    [InlineData(ActionType.ViewProfile, 299)]
    public void DeliveredBody_On2xx_IsDelivered(ActionType action, int status)
    {
        var verdict = Classify(action, status, DeliveredBody);

        Assert.Equal(OutcomeClass.Delivered, verdict.Class);
        Assert.False(verdict.Ambiguous);
        Assert.False(verdict.OutcomeUncertain);
    }

    [Theory]
    [InlineData(402)]
    [InlineData(403)]
    [InlineData(400)]
    [InlineData(500)]
    public void NotEnoughCreditsCode_OnInMail_IsCreditsExhausted(int status)
    {
        var verdict = Classify(ActionType.InMail, status, ErrorBody(WireCodes.NotEnoughCredits, "Not enough credits"));

        Assert.Equal(OutcomeClass.CreditsExhausted, verdict.Class);
        Assert.Equal(WireCodes.NotEnoughCredits, verdict.Code);
        Assert.False(verdict.Ambiguous);
    }

    [Theory]
    [InlineData("SOMETHING_ELSE", "Not enough credits")]
    [InlineData("FORBIDDEN", "You do not have NOT ENOUGH CREDITS left, sorry")]
    [InlineData(WireCodes.InMailRefused, "Not enough credits to send this InMail")]
    public void NotEnoughCreditsMessage_WithOtherCodeOnInMail_IsCreditsExhausted(string code, string message)
    {
        var verdict = Classify(ActionType.InMail, 403, ErrorBody(code, message));

        Assert.Equal(OutcomeClass.CreditsExhausted, verdict.Class);
        Assert.False(verdict.Ambiguous);
    }

    [Fact]
    public void NotEnoughCreditsMessage_WithoutAnyCode_OnInMail_IsCreditsExhausted()
    {
        Assert.Equal(OutcomeClass.CreditsExhausted, Classify(ActionType.InMail, 402, """{"message":"Not enough credits"}""").Class);
    }

    [Theory]
    [InlineData(ActionType.Invite)]
    [InlineData(ActionType.Message)]
    [InlineData(ActionType.ViewProfile)]
    [InlineData(ActionType.EngagePost)]
    [InlineData(ActionType.EndorseSkill)]
    public void NotEnoughCreditsCode_OnNonInMailAction_IsActionLimitReached(ActionType action)
    {
        Assert.Equal(OutcomeClass.ActionLimitReached, Classify(action, 402, ErrorBody(WireCodes.NotEnoughCredits, "Not enough credits")).Class);
    }

    [Fact]
    public void InMailRefused_OnInMail_IsRecipientUnavailableAndAmbiguous()
    {
        var verdict = Classify(ActionType.InMail, 403, ErrorBody(WireCodes.InMailRefused, "This member cannot be contacted"));

        Assert.Equal(OutcomeClass.RecipientUnavailable, verdict.Class);
        Assert.True(verdict.Ambiguous);
        Assert.False(verdict.OutcomeUncertain);
    }

    [Fact]
    public void InMailRefused_OnOtherAction_IsNeverAmbiguousNorDelivered()
    {
        var verdict = Classify(ActionType.Message, 403, ErrorBody(WireCodes.InMailRefused));

        Assert.NotEqual(OutcomeClass.Delivered, verdict.Class);
        Assert.False(verdict.Ambiguous);
    }

    [Theory]
    [InlineData(ActionType.Invite, 429, WireCodes.WeeklyInvitationLimit)]
    [InlineData(ActionType.Invite, 400, WireCodes.WeeklyInvitationLimit)]
    [InlineData(ActionType.Message, 429, WireCodes.ActionLimitReached)]
    [InlineData(ActionType.ViewProfile, 403, WireCodes.ActionLimitReached)]
    public void LimitCodes_AreActionLimitReached(ActionType action, int status, string code)
    {
        Assert.Equal(OutcomeClass.ActionLimitReached, Classify(action, status, ErrorBody(code)).Class);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("""{"error":"RATE_LIMITED","message":"Too many requests"}""")]
    [InlineData("""{"error":"SOMETHING_NEW"}""")]
    [InlineData("<html>slow down</html>")]
    public void Plain429_IsRateLimited(string? body)
    {
        var verdict = Classify(ActionType.Invite, 429, body);

        Assert.Equal(OutcomeClass.RateLimited, verdict.Class);
        Assert.False(verdict.OutcomeUncertain);
    }

    [Theory]
    [InlineData(401, null)]
    [InlineData(401, "")]
    [InlineData(401, """{"error":"SESSION_EXPIRED","message":"Session expired"}""")]
    [InlineData(403, """{"error":"SESSION_EXPIRED"}""")]
    [InlineData(401, "<html>login</html>")]
    public void SessionProblems_AreAccountDisconnected(int status, string? body)
    {
        Assert.Equal(OutcomeClass.AccountDisconnected, Classify(ActionType.Message, status, body).Class);
    }

    [Theory]
    [InlineData(403)]
    [InlineData(400)]
    [InlineData(451)]
    public void AccountRestrictedCode_IsAccountRestricted(int status)
    {
        Assert.Equal(OutcomeClass.AccountRestricted, Classify(ActionType.InMail, status, ErrorBody(WireCodes.AccountRestricted)).Class);
    }

    [Theory]
    [InlineData(ActionType.InMail, WireCodes.InMailDisabled)]
    [InlineData(ActionType.InMail, WireCodes.RecipientUnavailable)]
    [InlineData(ActionType.InMail, WireCodes.ProfileNotFound)]
    [InlineData(ActionType.Invite, WireCodes.AlreadyInvited)]
    [InlineData(ActionType.Message, WireCodes.NotConnected)]
    [InlineData(ActionType.ViewProfile, WireCodes.ProfileNotFound)]
    [InlineData(ActionType.EndorseSkill, WireCodes.RecipientUnavailable)]
    public void RecipientCodes_AreRecipientUnavailableAndNotAmbiguous(ActionType action, string code)
    {
        var verdict = Classify(action, 403, ErrorBody(code));

        Assert.Equal(OutcomeClass.RecipientUnavailable, verdict.Class);
        Assert.Equal(code, verdict.Code);
        Assert.False(verdict.Ambiguous);
    }

    [Theory]
    [InlineData(500, """{"error":"SERVER_ERROR","message":"Internal error"}""")]
    [InlineData(502, "<html>Bad gateway</html>")]
    [InlineData(503, "")]
    [InlineData(504, null)]
    [InlineData(599, """{"result":"delivered"}""")]
    public void ServerErrors_AreUpstreamErrorWithCertainOutcome(int status, string? body)
    {
        var verdict = Classify(ActionType.InMail, status, body);

        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.False(verdict.OutcomeUncertain);
    }

    [Fact]
    public void NotConnected_IsUpstreamErrorWithCertainOutcome()
    {
        var verdict = UpstreamClassifier.Classify(ActionType.InMail, UpstreamAnswer.NotConnected);

        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.False(verdict.OutcomeUncertain);
    }

    [Fact]
    public void NotConnected_EvenWithADeliveredBody_IsNotDelivered()
    {
        var verdict = UpstreamClassifier.Classify(ActionType.InMail, new UpstreamAnswer(200, DeliveredBody, TransportOutcome.NotConnected));

        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
    }

    [Fact]
    public void TimedOut_IsUpstreamErrorWithUncertainOutcome()
    {
        var verdict = UpstreamClassifier.Classify(ActionType.InMail, UpstreamAnswer.TimedOut);

        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
    }

    [Fact]
    public void TimedOut_EvenWithADeliveredBody_IsUncertainNotDelivered()
    {
        var verdict = UpstreamClassifier.Classify(ActionType.Invite, new UpstreamAnswer(200, DeliveredBody, TransportOutcome.TimedOut));

        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.True(verdict.OutcomeUncertain);
    }

    public static TheoryData<string?> GarbageBodies => new()
    {
        null,
        "",
        " ",
        "\r\n\t",
        "null",
        "[]",
        """[{"result":"delivered"}]""",
        "{}",
        "\"delivered\"",
        "delivered",
        "true",
        "42",
        "<html><body>delivered</body></html>",
        """{"result":"deliv""",
        """{"result":"delivered" """,
        """{"result":"delivered"}}""",
        """{"result":"delivered"} trailing""",
        """{"result":"delivered",}""",
        """{"result":"DELIVERED"}""",
        """{"result":"Delivered"}""",
        """{"result":" delivered"}""",
        """{"result":"delivered "}""",
        """{"result":1}""",
        """{"result":true}""",
        """{"result":null}""",
        """{"result":["delivered"]}""",
        """{"result":{"result":"delivered"}}""",
        """{"Result":"delivered"}""",
        """{"status":"delivered"}""",
        """{"error":"delivered"}""",
        """{"message":"delivered"}""",
        """{"data":{"result":"delivered"}}""",
        "{'result':'delivered'}",
        "{result:\"delivered\"}",
        "// comment\n{\"result\":\"delivered\"}",
        "\uFEFF{\"result\":\"delivered\"}x",
        HugeBodyContainingDelivered(),
        DeeplyNested(10_000),
        DeeplyNested(9),
    };

    private static string HugeBodyContainingDelivered() =>
        "{\"result\":\"delivered\",\"pad\":\"" + new string('x', UpstreamClassifier.MaxBodyChars) + "\"}";

    private static string DeeplyNested(int depth)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++) sb.Append("{\"a\":");
        sb.Append("{\"result\":\"delivered\"}");
        for (var i = 0; i < depth; i++) sb.Append('}');
        return sb.ToString();
    }

    [Theory]
    [MemberData(nameof(GarbageBodies))]
    public void GarbageBody_On2xx_IsUpstreamErrorWithUncertainOutcome(string? body)
    {
        foreach (var status in new[] { 200, 201, 204, 299 })
        {
            foreach (var action in ActionTypes.All)
            {
                var verdict = Classify(action, status, body);

                Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
                Assert.True(verdict.OutcomeUncertain, $"{status} {action} must be uncertain");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GarbageBodies))]
    public void GarbageBody_OnAnyStatus_IsNeverDelivered(string? body)
    {
        foreach (var status in new[] { -1, 0, 100, 101, 199, 300, 301, 304, 399, 400, 401, 402, 403, 404, 418, 429, 499, 500, 503, 599, 600, 999 })
        {
            Assert.NotEqual(OutcomeClass.Delivered, Classify(ActionType.InMail, status, body).Class);
        }
    }

    [Fact]
    public void HugeBody_JustOverTheLimit_IsNotParsedEvenIfDelivered()
    {
        var body = """{"result":"delivered"}""" + new string(' ', UpstreamClassifier.MaxBodyChars);

        Assert.True(body.Length > UpstreamClassifier.MaxBodyChars);
        Assert.Equal(OutcomeClass.UpstreamError, Classify(ActionType.InMail, 200, body).Class);
    }

    [Fact]
    public void DeliveredBody_WithinTheLimit_IsDelivered()
    {
        var body = """{"result":"delivered"}""" + new string(' ', UpstreamClassifier.MaxBodyChars - 22);

        Assert.Equal(UpstreamClassifier.MaxBodyChars, body.Length);
        Assert.Equal(OutcomeClass.Delivered, Classify(ActionType.InMail, 200, body).Class);
    }

    [Theory]
    [InlineData(400, """{"error":"BRAND_NEW_CODE","message":"?"}""")]
    [InlineData(404, """{"error":"NOT_FOUND"}""")]
    [InlineData(418, "I'm a teapot")]
    [InlineData(403, "{}")]
    [InlineData(409, """{"result":"delivered"}""")]
    public void UnknownClientError_IsUpstreamError(int status, string body)
    {
        var verdict = Classify(ActionType.InMail, status, body);

        Assert.Equal(OutcomeClass.UpstreamError, verdict.Class);
        Assert.False(verdict.Ambiguous);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(101)]
    [InlineData(199)]
    [InlineData(300)]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(304)]
    [InlineData(399)]
    [InlineData(600)]
    [InlineData(-200)]
    public void NonSuccessNonErrorStatus_WithDeliveredBody_IsUpstreamError(int status)
    {
        Assert.Equal(OutcomeClass.UpstreamError, Classify(ActionType.InMail, status, DeliveredBody).Class);
    }

    [Theory]
    [InlineData("""{"result":"delivered"}""")]
    [InlineData("""  {"result":"delivered"}  """)]
    [InlineData("""{ "actionId" : "x", "result" : "delivered", "extra": [1, {"a": null}] }""")]
    [InlineData("""{"result":"deliver\u0065d"}""")]
    [InlineData("{\n  \"result\": \"delivered\"\n}\n")]
    public void DeliveredObject_InAnyValidJsonLayout_IsDelivered(string body)
    {
        Assert.Equal(OutcomeClass.Delivered, Classify(ActionType.InMail, 200, body).Class);
    }

    [Fact]
    public void Classification_IsExactlyOneClassPerAnswer_AndDeterministic()
    {
        var answer = new UpstreamAnswer(403, ErrorBody(WireCodes.InMailRefused));

        Assert.Equal(UpstreamClassifier.Classify(ActionType.InMail, answer), UpstreamClassifier.Classify(ActionType.InMail, answer));
        Assert.True(Enum.IsDefined(UpstreamClassifier.Classify(ActionType.InMail, answer).Class));
    }

    /// <summary>
    /// The central safety property (BRIEF §3): only a 2xx whose body is a JSON object with
    /// "result":"delivered" is ever Delivered; every other 2xx is an uncertain error.
    /// Bodies are generated with a label saying whether they are such an object by construction.
    /// </summary>
    [Fact]
    public void RandomAnswers_AreDeliveredOnlyFor2xxWithDeliveredObject()
    {
        var random = new Random(424242);
        for (var i = 0; i < 2000; i++)
        {
            var status = RandomStatus(random);
            var (body, isDeliveredObject) = RandomBody(random);
            var action = ActionTypes.All[random.Next(ActionTypes.All.Count)];

            var verdict = Classify(action, status, body);

            var is2xx = status is >= 200 and < 300;
            var shouldDeliver = is2xx && isDeliveredObject;
            Assert.True(shouldDeliver == (verdict.Class == OutcomeClass.Delivered),
                $"case {i}: {action} HTTP {status} body {Show(body)} => {verdict}");
            if (is2xx && !isDeliveredObject)
            {
                Assert.True(verdict.OutcomeUncertain, $"case {i}: HTTP {status} body {Show(body)} must be uncertain");
            }
        }
    }

    private static string Show(string? body) => body is null ? "<null>" : body.Length > 200 ? body[..200] + "..." : body;

    private static int RandomStatus(Random random) => random.Next(6) switch
    {
        0 or 1 => random.Next(200, 300),
        2 => random.Next(400, 500),
        3 => random.Next(500, 600),
        4 => random.Next(100, 400),
        _ => random.Next(-5, 1000),
    };

    private static readonly string[] Keys = ["result", "actionId", "error", "message", "Result", "status", "data"];
    private static readonly string[] Values = ["delivered", "DELIVERED", "Delivered", "deliver", "failed", "", "delivered ", "NOT_ENOUGH_CREDITS"];

    private static (string? Body, bool IsDeliveredObject) RandomBody(Random random)
    {
        const string minimal = """{"result":"delivered"}""";
        switch (random.Next(9))
        {
            case 0:
                return (minimal, true);
            case 1:
            {
                // A valid object with random members; delivered iff it has "result":"delivered" (no duplicate keys).
                var members = Keys.OrderBy(_ => random.Next()).Take(random.Next(0, Keys.Length)).ToList();
                var sb = new StringBuilder("{");
                var delivered = false;
                for (var m = 0; m < members.Count; m++)
                {
                    if (m > 0) sb.Append(random.Next(2) == 0 ? "," : " , ");
                    string value;
                    switch (random.Next(5))
                    {
                        case 0: value = random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                        case 1: value = "null"; break;
                        case 2: value = """{"result":"delivered"}"""; break;
                        default:
                            var text = Values[random.Next(Values.Length)];
                            value = $"\"{text}\"";
                            delivered |= members[m] == "result" && text == "delivered";
                            break;
                    }
                    sb.Append('"').Append(members[m]).Append("\":").Append(value);
                }
                sb.Append('}');
                return (sb.ToString(), delivered);
            }
            case 2:
                // Any strict prefix of a delivered object is truncated JSON.
                return (minimal[..random.Next(0, minimal.Length)], false);
            case 3:
            {
                // One character of a delivered object replaced by a different one.
                var chars = minimal.ToCharArray();
                var at = random.Next(chars.Length);
                char c;
                do { c = (char)random.Next(32, 127); } while (c == chars[at]);
                chars[at] = c;
                return (new string(chars), false);
            }
            case 4:
            {
                // Random printable noise, sometimes containing the word.
                var length = random.Next(0, 80);
                var sb = new StringBuilder();
                for (var k = 0; k < length; k++) sb.Append((char)random.Next(32, 127));
                if (random.Next(2) == 0) sb.Insert(random.Next(sb.Length + 1), "delivered");
                return (sb.ToString(), false);
            }
            case 5:
                return (random.Next(5) switch
                {
                    0 => null,
                    1 => "",
                    2 => "null",
                    3 => "[]",
                    _ => "{}",
                }, false);
            case 6:
                // Wrapped: the delivered object is not the root.
                return (random.Next(3) switch
                {
                    0 => $"[{minimal}]",
                    1 => $"{{\"data\":{minimal}}}",
                    _ => $"\"{minimal.Replace("\"", "\\\"")}\"",
                }, false);
            case 7:
                // Too large to parse.
                return (minimal + new string(' ', UpstreamClassifier.MaxBodyChars + random.Next(1, 100)), false);
            default:
                // Whitespace around a valid delivered object keeps it valid.
                var pad = new string(' ', random.Next(0, 5));
                return (pad + minimal + pad + (random.Next(2) == 0 ? "\n" : ""), true);
        }
    }
}
