using System.Globalization;
using System.Reflection;
using OrleansBreaker.Accounts;

namespace OrleansBreaker.Tests.Unit;

public sealed class BreakerTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static BreakerRecord TripInMail(DateTimeOffset now, BreakerRecord? from = null, int resetDay = 1) =>
        Breaker.Trip(from ?? BreakerRecord.Closed, ActionType.InMail, OutcomeClass.CreditsExhausted, now, Utc, resetDay, "402 NOT_ENOUGH_CREDITS");

    // ---- Decide ----

    [Theory]
    [InlineData(BreakerState.Closed, BreakerDecision.Allow)]
    [InlineData(BreakerState.Open, BreakerDecision.Skip)]
    [InlineData(BreakerState.Probing, BreakerDecision.Probe)]
    public void Decide_FollowsTheState(BreakerState state, BreakerDecision expected)
    {
        Assert.Equal(expected, Breaker.Decide(BreakerRecord.Closed with { State = state }));
    }

    [Fact]
    public void Decide_OnAFreshlyTrippedBreaker_IsSkip()
    {
        Assert.Equal(BreakerDecision.Skip, Breaker.Decide(TripInMail(At("2027-03-10T12:00:00Z"))));
    }

    // ---- Trip ----

    [Fact]
    public void Trip_OnCreditsExhausted_OpensUntilTheNextMonthlyReset()
    {
        var now = At("2027-03-10T12:34:56Z");

        var open = TripInMail(now);

        Assert.Equal(BreakerState.Open, open.State);
        Assert.Equal(OutcomeClass.CreditsExhausted, open.Reason);
        Assert.Equal(now, open.TrippedAt);
        Assert.Equal(At("2027-04-01T00:00:00Z"), open.ResumeAt);
        Assert.Equal("402 NOT_ENOUGH_CREDITS", open.Evidence);
        Assert.False(open.ReArmed);
    }

    [Theory]
    [InlineData("2027-03-10T12:00:00Z", 15, "2027-03-15T00:00:00Z")]
    [InlineData("2027-03-20T12:00:00Z", 15, "2027-04-15T00:00:00Z")]
    [InlineData("2027-01-31T12:00:00Z", 31, "2027-02-28T00:00:00Z")]
    [InlineData("2027-12-31T23:59:59Z", 1, "2028-01-01T00:00:00Z")]
    public void Trip_OnCreditsExhausted_RespectsTheResetDay(string now, int resetDay, string expected)
    {
        Assert.Equal(At(expected), TripInMail(At(now), resetDay: resetDay).ResumeAt);
    }

    [Fact]
    public void Trip_OnCreditsExhausted_ResumeAtIsTheResetInstantRegardlessOfZone()
    {
        var open = Breaker.Trip(BreakerRecord.Closed, ActionType.InMail, OutcomeClass.CreditsExhausted, At("2027-03-10T12:00:00Z"), Tokyo, 1, null);

        Assert.Equal(At("2027-04-01T00:00:00Z"), open.ResumeAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(47 * 60 + 59)]
    public void Trip_WithinFortyEightHoursOfAReset_ReArmsForSixHours(int minutesAfterReset)
    {
        var reset = At("2027-04-01T00:00:00Z");
        var probing = BreakerRecord.Closed with { State = BreakerState.Probing, LastResetAt = reset };
        var now = reset.AddMinutes(minutesAfterReset);

        var open = TripInMail(now, probing);

        Assert.Equal(BreakerState.Open, open.State);
        Assert.True(open.ReArmed);
        Assert.Equal(now + TimeSpan.FromHours(6), open.ResumeAt);
        Assert.Equal(reset, open.LastResetAt);
    }

    [Theory]
    [InlineData(48 * 60)]
    [InlineData(48 * 60 + 1)]
    [InlineData(10 * 24 * 60)]
    public void Trip_AtOrAfterFortyEightHoursOfAReset_OpensUntilTheNextReset(int minutesAfterReset)
    {
        var reset = At("2027-04-01T00:00:00Z");
        var closed = BreakerRecord.Closed with { LastResetAt = reset };

        var open = TripInMail(reset.AddMinutes(minutesAfterReset), closed);

        Assert.False(open.ReArmed);
        Assert.Equal(At("2027-05-01T00:00:00Z"), open.ResumeAt);
    }

    [Fact]
    public void Trip_ReArmedProbeFailingAgainAfterFortyEightHours_GoesToTheNextReset()
    {
        var reset = At("2027-04-01T00:00:00Z");
        var b = BreakerRecord.Closed with { State = BreakerState.Probing, LastResetAt = reset };
        var now = reset.AddHours(1);
        // Re-check every 6 h until 48 h have passed since the real reset.
        var rechecks = 0;
        while (true)
        {
            b = TripInMail(now, b);
            if (!b.ReArmed)
            {
                break;
            }
            rechecks++;
            Assert.Equal(now + Breaker.ReArmRecheck, b.ResumeAt);
            now = b.ResumeAt!.Value;
            b = Breaker.Resume(b, now);
            Assert.Equal(BreakerState.Probing, b.State);
            Assert.Equal(reset, b.LastResetAt);
            Assert.True(rechecks < 20, "the short re-arm never ends");
        }

        Assert.Equal(At("2027-05-01T00:00:00Z"), b.ResumeAt);
        Assert.InRange(rechecks, 7, 8);
    }

    [Fact]
    public void Trip_InviteActionLimitReached_ResumesSevenDaysAfterTheTrip()
    {
        var now = At("2027-03-10T15:20:00Z");

        var open = Breaker.Trip(BreakerRecord.Closed, ActionType.Invite, OutcomeClass.ActionLimitReached, now, NewYork, 1, "429 WEEKLY_INVITATION_LIMIT");

        Assert.Equal(BreakerState.Open, open.State);
        Assert.Equal(OutcomeClass.ActionLimitReached, open.Reason);
        Assert.Equal(now + TimeSpan.FromDays(7), open.ResumeAt);
        Assert.False(open.ReArmed);
    }

    [Theory]
    // New York, EST (UTC-5): 15:20Z is 10:20 local; next local midnight is 05:00Z the next day.
    [InlineData(ActionType.Message, "America/New_York", "2027-03-02T15:20:00Z", "2027-03-03T05:00:00Z")]
    // 03:00Z is still 22:00 the previous evening in New York.
    [InlineData(ActionType.ViewProfile, "America/New_York", "2027-03-02T03:00:00Z", "2027-03-02T05:00:00Z")]
    // Tokyo (UTC+9): 16:00Z is 01:00 the next local day; next local midnight is 15:00Z that day.
    [InlineData(ActionType.EngagePost, "Asia/Tokyo", "2027-03-02T16:00:00Z", "2027-03-03T15:00:00Z")]
    [InlineData(ActionType.EndorseSkill, "UTC", "2027-03-02T23:59:59Z", "2027-03-03T00:00:00Z")]
    [InlineData(ActionType.InMail, "UTC", "2027-03-02T00:00:00Z", "2027-03-03T00:00:00Z")]
    public void Trip_OtherActionLimitReached_ResumesAtNextLocalMidnight(ActionType action, string zoneId, string now, string expected)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);

        var open = Breaker.Trip(BreakerRecord.Closed, action, OutcomeClass.ActionLimitReached, At(now), zone, 1, null);

        Assert.Equal(At(expected), open.ResumeAt);
    }

    [Fact]
    public void Trip_ClearsAmbiguousRefusals()
    {
        var now = At("2027-03-10T12:00:00Z");
        var (withRefusals, _) = Breaker.RecordAmbiguous(BreakerRecord.Closed, "p1", now);

        Assert.Empty(TripInMail(now, withRefusals).Ambiguous);
    }

    /// <summary>
    /// The 48-hour short re-arm exists because LinkedIn's monthly credit renewal can lag (BRIEF §4). A breaker
    /// that resumed from a daily ActionLimitReached window is not a credit reset, so a later credits refusal
    /// must open until the monthly reset, not re-check every 6 hours.
    /// </summary>
    [Fact]
    public void Trip_CreditsExhaustedAfterResumingFromADailyLimit_OpensUntilTheMonthlyReset()
    {
        var tripped = Breaker.Trip(BreakerRecord.Closed, ActionType.InMail, OutcomeClass.ActionLimitReached, At("2027-03-10T12:00:00Z"), Utc, 1, null);
        var resumed = Breaker.Resume(tripped, At("2027-03-11T00:00:00Z"));
        Assert.Equal(BreakerState.Probing, resumed.State);

        var open = TripInMail(At("2027-03-11T00:05:00Z"), resumed);

        Assert.False(open.ReArmed);
        Assert.Equal(At("2027-04-01T00:00:00Z"), open.ResumeAt);
    }

    // ---- Resume ----

    [Fact]
    public void Resume_BeforeResumeAt_IsANoOp()
    {
        var open = TripInMail(At("2027-03-10T12:00:00Z"));

        Assert.Same(open, Breaker.Resume(open, At("2027-03-31T23:59:59.9999999Z")));
        Assert.False(Breaker.ResumeDue(open, At("2027-03-31T23:59:59Z")));
    }

    [Fact]
    public void Resume_AtResumeAt_ProbesAndRecordsTheResetInstant()
    {
        var open = TripInMail(At("2027-03-10T12:00:00Z"));
        var reset = At("2027-04-01T00:00:00Z");

        var probing = Breaker.Resume(open, reset);

        Assert.Equal(BreakerState.Probing, probing.State);
        Assert.Equal(reset, probing.LastResetAt);
        Assert.Equal(BreakerDecision.Probe, Breaker.Decide(probing));
    }

    [Fact]
    public void Resume_LateBecauseOfJitter_StillRecordsTheResetInstantNotTheTick()
    {
        var open = TripInMail(At("2027-03-10T12:00:00Z"));
        var tick = At("2027-04-01T00:04:31Z");

        var probing = Breaker.Resume(open, tick);

        Assert.Equal(At("2027-04-01T00:00:00Z"), probing.LastResetAt);
    }

    [Fact]
    public void Resume_CalledTwice_GivesTheSameRecord()
    {
        var open = TripInMail(At("2027-03-10T12:00:00Z"));
        var first = Breaker.Resume(open, At("2027-04-01T00:00:00Z"));

        var second = Breaker.Resume(first, At("2027-04-01T00:01:00Z"));
        var again = Breaker.Resume(open, At("2027-04-01T00:00:00Z"));

        Assert.Equal(first, second);
        Assert.Equal(first, again);
    }

    [Fact]
    public void Resume_OnAClosedBreaker_IsANoOp()
    {
        Assert.Same(BreakerRecord.Closed, Breaker.Resume(BreakerRecord.Closed, At("2030-01-01T00:00:00Z")));
    }

    [Fact]
    public void Resume_OfAReArmedBreaker_KeepsTheOriginalLastResetAt()
    {
        var reset = At("2027-04-01T00:00:00Z");
        var probing = BreakerRecord.Closed with { State = BreakerState.Probing, LastResetAt = reset };
        var reArmed = TripInMail(reset.AddMinutes(3), probing);
        Assert.True(reArmed.ReArmed);

        var resumed = Breaker.Resume(reArmed, reArmed.ResumeAt!.Value);

        Assert.Equal(BreakerState.Probing, resumed.State);
        Assert.Equal(reset, resumed.LastResetAt);
    }

    // ---- ClearOnSuccess ----

    [Theory]
    [InlineData(1)]
    [InlineData(60)]
    [InlineData(60 * 60 * 24 * 20)]
    public void ClearOnSuccess_AfterTheTrip_ClosesTheBreaker(int secondsAfterTrip)
    {
        var tripped = At("2027-03-10T12:00:00Z");
        var open = TripInMail(tripped);

        var cleared = Breaker.ClearOnSuccess(open, tripped.AddSeconds(secondsAfterTrip));

        Assert.Equal(BreakerState.Closed, cleared.State);
        Assert.Null(cleared.Reason);
        Assert.Null(cleared.TrippedAt);
        Assert.Null(cleared.ResumeAt);
        Assert.Null(cleared.Evidence);
        Assert.False(cleared.ReArmed);
        Assert.Equal(BreakerDecision.Allow, Breaker.Decide(cleared));
    }

    [Fact]
    public void ClearOnSuccess_OneMicrosecondAfterTheTrip_ClosesTheBreaker()
    {
        var tripped = At("2027-03-10T12:00:00Z");

        var cleared = Breaker.ClearOnSuccess(TripInMail(tripped), Breaker.EvidenceSince(tripped));

        Assert.Equal(BreakerState.Closed, cleared.State);
        Assert.Equal(tripped.AddTicks(10), Breaker.EvidenceSince(tripped));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-3600)]
    public void ClearOnSuccess_BeforeTheTrip_IsIgnored(int secondsAfterTrip)
    {
        var tripped = At("2027-03-10T12:00:00Z");
        var open = TripInMail(tripped);

        Assert.Same(open, Breaker.ClearOnSuccess(open, tripped.AddSeconds(secondsAfterTrip)));
    }

    /// <summary>
    /// A success stamped with the trip instant itself is the last send before the refusal, not new evidence
    /// of credits (the evidence search starts one microsecond after the trip, <see cref="Breaker.EvidenceSince"/>).
    /// </summary>
    [Fact]
    public void ClearOnSuccess_AtTheTripInstant_IsIgnored()
    {
        var tripped = At("2027-03-10T12:00:00Z");
        var open = TripInMail(tripped);

        Assert.Same(open, Breaker.ClearOnSuccess(open, tripped));
    }

    [Fact]
    public void ClearOnSuccess_WhileProbing_ClosesTheBreaker()
    {
        var open = TripInMail(At("2027-03-10T12:00:00Z"));
        var probing = Breaker.Resume(open, At("2027-04-01T00:00:00Z"));

        var cleared = Breaker.ClearOnSuccess(probing, At("2027-04-01T00:00:05Z"));

        Assert.Equal(BreakerState.Closed, cleared.State);
        Assert.Equal(At("2027-04-01T00:00:00Z"), cleared.LastResetAt);
    }

    [Fact]
    public void ClearOnSuccess_OnAClosedBreaker_IsANoOp()
    {
        Assert.Same(BreakerRecord.Closed, Breaker.ClearOnSuccess(BreakerRecord.Closed, At("2027-03-10T12:00:00Z")));
    }

    [Fact]
    public void ClearOnSuccess_IsIdempotent()
    {
        var tripped = At("2027-03-10T12:00:00Z");
        var once = Breaker.ClearOnSuccess(TripInMail(tripped), tripped.AddMinutes(5));

        Assert.Equal(once, Breaker.ClearOnSuccess(once, tripped.AddMinutes(5)));
    }

    // ---- RecordAmbiguous ----

    [Fact]
    public void RecordAmbiguous_SameRecipientTwice_DoesNotTrip()
    {
        var now = At("2027-03-10T12:00:00Z");

        var (first, trip1) = Breaker.RecordAmbiguous(BreakerRecord.Closed, "p1", now);
        var (second, trip2) = Breaker.RecordAmbiguous(first, "p1", now.AddMinutes(5));

        Assert.False(trip1);
        Assert.False(trip2);
        Assert.Single(second.Ambiguous);
        Assert.Equal(BreakerState.Closed, second.State);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData(23 * 60 + 59)]
    public void RecordAmbiguous_TwoDistinctRecipientsWithin24Hours_Trips(int minutesApart)
    {
        var now = At("2027-03-10T12:00:00Z");

        var (first, trip1) = Breaker.RecordAmbiguous(BreakerRecord.Closed, "p1", now);
        var (_, trip2) = Breaker.RecordAmbiguous(first, "p2", now.AddMinutes(minutesApart));

        Assert.False(trip1);
        Assert.True(trip2);
    }

    [Fact]
    public void RecordAmbiguous_TwoDistinctRecipients25HoursApart_DoNotTrip()
    {
        var now = At("2027-03-10T12:00:00Z");

        var (first, _) = Breaker.RecordAmbiguous(BreakerRecord.Closed, "p1", now);
        var (second, trip) = Breaker.RecordAmbiguous(first, "p2", now.AddHours(25));

        Assert.False(trip);
        Assert.Equal(["p2"], second.Ambiguous.Select(r => r.Recipient));
    }

    [Fact]
    public void RecordAmbiguous_PrunesEntriesOlderThan24Hours()
    {
        var now = At("2027-03-10T12:00:00Z");
        var b = BreakerRecord.Closed;
        for (var i = 0; i < 10; i++)
        {
            (b, _) = Breaker.RecordAmbiguous(b, $"old{i}", now.AddMinutes(i));
        }

        var (pruned, _) = Breaker.RecordAmbiguous(b, "new", now.AddDays(2));

        Assert.Equal(["new"], pruned.Ambiguous.Select(r => r.Recipient));
        Assert.Equal(now.AddDays(2), pruned.Ambiguous.Single().At);
    }

    [Fact]
    public void RecordAmbiguous_RepeatedRecipient_KeepsOnlyItsLatestRefusal()
    {
        var now = At("2027-03-10T12:00:00Z");
        var (b, _) = Breaker.RecordAmbiguous(BreakerRecord.Closed, "p1", now);
        (b, _) = Breaker.RecordAmbiguous(b, "p1", now.AddHours(20));

        // 30 h after the first refusal, but only 10 h after p1's latest one.
        var (_, trip) = Breaker.RecordAmbiguous(b, "p2", now.AddHours(30));

        Assert.True(trip);
    }

    [Fact]
    public void RecordAmbiguous_ManyRefusalsFromOneRecipient_StayBounded()
    {
        var now = At("2027-03-10T12:00:00Z");
        var b = BreakerRecord.Closed;
        for (var i = 0; i < 1000; i++)
        {
            (b, var trip) = Breaker.RecordAmbiguous(b, "same", now.AddSeconds(i));
            Assert.False(trip);
        }

        Assert.Single(b.Ambiguous);
    }

    [Fact]
    public void RecordAmbiguous_RecipientsAreCaseSensitive()
    {
        var now = At("2027-03-10T12:00:00Z");
        var (b, _) = Breaker.RecordAmbiguous(BreakerRecord.Closed, "p1", now);

        Assert.True(Breaker.RecordAmbiguous(b, "P1", now).ShouldTrip);
    }

    // ---- SkipReason ----

    [Theory]
    [InlineData(ActionType.InMail, OutcomeClass.CreditsExhausted, Reason.InMailCreditsExhausted)]
    [InlineData(ActionType.InMail, OutcomeClass.ActionLimitReached, Reason.ActionLimitReached)]
    [InlineData(ActionType.Invite, OutcomeClass.ActionLimitReached, Reason.ActionLimitReached)]
    [InlineData(ActionType.Message, OutcomeClass.ActionLimitReached, Reason.ActionLimitReached)]
    [InlineData(ActionType.Invite, OutcomeClass.CreditsExhausted, Reason.ActionLimitReached)]
    [InlineData(ActionType.InMail, null, Reason.ActionLimitReached)]
    public void SkipReason_MapsInMailCreditsOnlyToTheInMailReason(ActionType action, OutcomeClass? reason, Reason expected)
    {
        Assert.Equal(expected, Breaker.SkipReason(action, reason));
    }

    // ---- No force-clear ----

    [Fact]
    public void Breaker_HasNoPublicForceOrResetTransition()
    {
        var suspicious = typeof(Breaker).GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance)
            .Where(m => m.ReturnType == typeof(BreakerRecord)
                || (m.ReturnType.IsGenericType && m.ReturnType.GetGenericArguments().Contains(typeof(BreakerRecord))))
            .Where(m => m.Name.Contains("Force", StringComparison.OrdinalIgnoreCase) || m.Name.Contains("Reset", StringComparison.OrdinalIgnoreCase))
            .Select(m => m.Name)
            .ToList();

        Assert.Empty(suspicious);
    }

    [Fact]
    public void Breaker_TransitionsReturningARecord_AreExactlyTheKnownOnes()
    {
        var transitions = typeof(Breaker).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(BreakerRecord))
            .Select(m => m.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

        // A new way to produce a record (especially a closing one) must be reviewed against BRIEF §4 "No force-clear".
        Assert.Equal(["ClearOnSuccess", "Resume", "Trip"], transitions);
    }
}
