using OrleansBreaker.Safety;

namespace OrleansBreaker.Tests.Unit;

public sealed class SafetyModeLogicTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly SafetyModeState Fresh = new() { Settings = new SafetySettings { Errors = 4, DistinctAccounts = 3, Window = TimeSpan.FromMinutes(5) } };

    private static SafetyErrorReport Error(string account, DateTimeOffset at) => new(account, "c", "p-" + account + at.Ticks, OutcomeClass.UpstreamError, at);

    private static (SafetyModeState, bool) Feed(SafetyModeState s, params (string Account, int Second)[] errors)
    {
        var tripped = false;
        foreach (var (account, second) in errors)
        {
            (s, var t) = SafetyMode.RecordError(s, Error(account, T0.AddSeconds(second)), T0.AddSeconds(second));
            tripped |= t;
        }
        return (s, tripped);
    }

    [Fact]
    public void OneSickAccount_NeverTrips_HoweverManyErrors()
    {
        var (s, tripped) = Feed(Fresh, [.. Enumerable.Range(0, 50).Select(i => ("a", i))]);

        Assert.False(tripped);
        Assert.Equal(SafetyState.Closed, SafetyMode.StateAt(s, T0.AddMinutes(1)));
    }

    [Fact]
    public void EnoughErrorsFromEnoughDistinctAccounts_Trips_ForFifteenMinutes()
    {
        var (s, tripped) = Feed(Fresh, ("a", 0), ("a", 1), ("b", 2), ("c", 3));

        Assert.True(tripped);
        Assert.Equal(SafetyState.Open, SafetyMode.StateAt(s, T0.AddSeconds(3)));
        Assert.Equal(T0.AddSeconds(3) + TimeSpan.FromMinutes(15), s.ResumeAt);
        Assert.Equal(SafetyState.HalfOpen, SafetyMode.StateAt(s, T0.AddSeconds(3) + TimeSpan.FromMinutes(15)));
    }

    [Fact]
    public void ErrorsOutsideTheSlidingWindow_DoNotCount()
    {
        var (s, tripped) = Feed(Fresh, ("a", 0), ("b", 1), ("c", 400), ("a", 401));

        Assert.False(tripped); // the first two are more than 5 minutes older than the last two
        Assert.Equal(2, SafetyMode.View(s, T0.AddSeconds(401)).RecentErrors);
    }

    [Fact]
    public void HalfOpen_GrantsOneProbe_UntilItReportsOrItsLeaseRunsOut()
    {
        var (s, _) = Feed(Fresh, ("a", 0), ("b", 1), ("c", 2), ("d", 3));
        var halfOpen = s.ResumeAt!.Value;

        var (afterFirst, first) = SafetyMode.TryAcquireProbe(s, "x", halfOpen);
        var (_, second) = SafetyMode.TryAcquireProbe(afterFirst, "y", halfOpen.AddSeconds(5));
        var (_, afterLease) = SafetyMode.TryAcquireProbe(afterFirst, "y", halfOpen + SafetyMode.ProbeLease);
        var (_, whileOpen) = SafetyMode.TryAcquireProbe(s, "x", halfOpen.AddSeconds(-1));

        Assert.True(first);
        Assert.False(second);
        Assert.True(afterLease);
        Assert.False(whileOpen);
    }

    [Fact]
    public void ProbeSuccess_Closes_ProbeFailure_ReopensWithDoubledCoolDown()
    {
        var (s, _) = Feed(Fresh, ("a", 0), ("b", 1), ("c", 2), ("d", 3));
        var at = s.ResumeAt!.Value;
        var (probing, _) = SafetyMode.TryAcquireProbe(s, "x", at);

        var closed = SafetyMode.ProbeResult(probing, "x", true, at.AddSeconds(1));
        var reopened = SafetyMode.ProbeResult(probing, "x", false, at.AddSeconds(1));
        var released = SafetyMode.ProbeResult(probing, "x", null, at.AddSeconds(1));
        var stranger = SafetyMode.ProbeResult(probing, "y", true, at.AddSeconds(1));

        Assert.Equal(SafetyState.Closed, SafetyMode.StateAt(closed, at.AddSeconds(2)));
        Assert.Equal(SafetyState.Open, SafetyMode.StateAt(reopened, at.AddSeconds(2)));
        Assert.Equal(at.AddSeconds(1) + TimeSpan.FromMinutes(30), reopened.ResumeAt);
        Assert.Null(released.ProbeHolder);
        Assert.Equal(SafetyState.HalfOpen, SafetyMode.StateAt(released, at.AddSeconds(2)));
        Assert.Equal(probing, stranger);
    }

    [Theory]
    [InlineData(1, 15)]
    [InlineData(2, 30)]
    [InlineData(3, 60)]
    [InlineData(4, 120)]
    [InlineData(5, 240)]
    [InlineData(9, 240)]
    public void CoolDown_DoublesPerConsecutiveTrip_CappedAtFourHours(int consecutive, int minutes)
    {
        Assert.Equal(TimeSpan.FromMinutes(minutes), SafetyMode.CoolDown(consecutive));
    }

    [Fact]
    public void ATripSoonAfterAClear_IsConsecutive_ALaterOneStartsOver()
    {
        var (s, _) = Feed(Fresh, ("a", 0), ("b", 1), ("c", 2), ("d", 3));
        var (probing, _) = SafetyMode.TryAcquireProbe(s, "x", s.ResumeAt!.Value);
        var closed = SafetyMode.ProbeResult(probing, "x", true, s.ResumeAt!.Value);
        var soon = closed.LastClearedAt!.Value.AddMinutes(10);
        var late = closed.LastClearedAt!.Value.AddHours(2);

        var (again, _) = Enumerable.Range(0, 4).Aggregate((closed, false), (acc, i) =>
            SafetyMode.RecordError(acc.closed, Error("acct" + i, soon), soon));
        var (fresh, _) = Enumerable.Range(0, 4).Aggregate((closed, false), (acc, i) =>
            SafetyMode.RecordError(acc.closed, Error("acct" + i, late), late));

        Assert.Equal(soon + TimeSpan.FromMinutes(30), again.ResumeAt);
        Assert.Equal(late + TimeSpan.FromMinutes(15), fresh.ResumeAt);
    }
}
