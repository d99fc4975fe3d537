using OrleansBreaker.Campaigns;

namespace OrleansBreaker.Tests.Unit;

/// <summary>The pool's knowledge of its seats (BRIEF §11): where an unbound prospect goes, why a pool stalls, its health.</summary>
public sealed class SeatBoardTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<string> None = [];

    private static SeatView Seat(string id, int today, int cap, Reason reason = Reason.None, DateTimeOffset? at = null, DateTimeOffset? trip = null) => new()
    {
        AccountId = id, Exists = true, Status = AccountStatus.Connected,
        Actions = new Dictionary<ActionType, SeatAction> { [ActionType.InMail] = new() { Today = today, DailyCap = cap, Reason = reason, At = at, TripId = trip } },
    };

    private static SeatBoard Board(params SeatView[] seats)
    {
        var board = new SeatBoard();
        board.SetPool([.. seats.Select(s => s.AccountId)]);
        foreach (var seat in seats)
        {
            board.Read(seat, Now);
        }
        return board;
    }

    [Fact]
    public void Pick_TakesTheMostRoomRelativeToTheCap_NotTheMostSendsLeft()
    {
        // a has 10 left of 40 (25 %), b 3 left of 5 (60 %).
        var board = Board(Seat("a", 30, 40), Seat("b", 2, 5));
        Assert.Equal("b", board.Pick(ActionType.InMail, Now, None));
    }

    [Fact]
    public void Pick_SpreadsEqualSeatsInTurn_AndCountsWhatItGaveAway()
    {
        var board = Board(Seat("a", 0, 3), Seat("b", 0, 3), Seat("c", 0, 3));
        var picks = Enumerable.Range(0, 9).Select(_ => board.Pick(ActionType.InMail, Now, None)).ToList();
        Assert.Equal(["a", "b", "c", "a", "b", "c", "a", "b", "c"], picks);
        // Every seat's cap is given away: the next goes to a seat anyway, whose answer says until when it is full.
        Assert.Equal("a", board.Pick(ActionType.InMail, Now, None));
        board.Learn("a", ActionType.InMail, new DispatchResult { Status = DispatchStatus.Deferred, Reason = Reason.CapReached, ResumeAt = Now.AddHours(14), At = Now }, Now);
        Assert.Equal("b", board.Pick(ActionType.InMail, Now, None));
    }

    [Fact]
    public void Pick_PassesOverOpenPacedBusyAndUnconnectedSeats()
    {
        var board = Board(
            Seat("open", 0, 10, Reason.InMailCreditsExhausted, Now.AddDays(7), Now.AddHours(-1)),
            Seat("paced", 0, 10, Reason.Pacing, Now.AddSeconds(30)),
            Seat("busy", 0, 10),
            Seat("gone", 0, 10, Reason.AccountDisconnected),
            Seat("full", 0, 10, Reason.CapReached, Now.AddHours(14)),
            Seat("free", 9, 10));
        Assert.Equal("free", board.Pick(ActionType.InMail, Now, new HashSet<string> { "busy" }));
        // The pacing passes: the paced seat (all its room) comes first.
        Assert.Equal("paced", board.Pick(ActionType.InMail, Now.AddSeconds(31), new HashSet<string> { "busy" }));
    }

    [Fact]
    public void Stall_OfAPoolWhoseSeatsAreAllOpen_IsABreakerStall_WithTheEarliestResume_AndAnIdThatChangesOnANewTrip()
    {
        var board = Board(
            Seat("a", 5, 5, Reason.InMailCreditsExhausted, Now.AddDays(7), Now.AddHours(-3)),
            Seat("b", 5, 5, Reason.InMailCreditsExhausted, Now.AddDays(4), Now.AddHours(-1)));
        var stall = board.Stall(ActionType.InMail, Now);
        Assert.Equal(new PoolStall(Reason.InMailCreditsExhausted, Now.AddDays(4), Now.AddHours(-1), Breakers: true, "b"), stall);
        Assert.Equal(new PoolHealth(0, 2, Now.AddDays(4)), board.Health(ActionType.InMail, Now));

        // b clears and trips again: a new stall, so each waiting prospect is skipped once more.
        board.Cleared("b", ActionType.InMail);
        Assert.Equal("b", board.Pick(ActionType.InMail, Now, None));
        board.Learn("b", ActionType.InMail, new DispatchResult { Status = DispatchStatus.Skipped, Reason = Reason.InMailCreditsExhausted, ResumeAt = Now.AddDays(4), TripId = Now, At = Now }, Now);
        Assert.Equal(Now, board.Stall(ActionType.InMail, Now).TripId);
    }

    [Fact]
    public void Stall_OfAMixedPool_IsDecidedByTheSeatThatCanSendSoonest_AndPacingAloneIsNoStallToWrite()
    {
        var board = Board(
            Seat("a", 0, 5, Reason.InMailCreditsExhausted, Now.AddDays(7), Now.AddHours(-3)),
            Seat("b", 0, 5, Reason.OutsideWorkingHours, Now.AddHours(2)));
        Assert.Equal(new PoolStall(Reason.OutsideWorkingHours, Now.AddHours(2), null, Breakers: false, "b"), board.Stall(ActionType.InMail, Now));

        var paced = Board(Seat("a", 0, 5, Reason.Pacing, Now.AddSeconds(40)), Seat("b", 0, 5, Reason.Pacing, Now.AddSeconds(20)));
        Assert.False(paced.AnyCanSend(ActionType.InMail, Now));
        Assert.Equal((Reason.Pacing, Now.AddSeconds(20)), (paced.Stall(ActionType.InMail, Now).Reason, paced.Stall(ActionType.InMail, Now).ResumeAt));
        // Pacing is no lack of health: both seats can send, just not this second.
        Assert.Equal(new PoolHealth(2, 2, null), paced.Health(ActionType.InMail, Now));
        Assert.Equal(["a", "b"], paced.Paced(Now));
    }

    [Fact]
    public void Health_CountsTheSeatsThatCanSend_AndMarksAPoolAtHalfOrLessAsDegraded()
    {
        var board = Board(
            Seat("a", 0, 5),
            Seat("b", 0, 5, Reason.InMailCreditsExhausted, Now.AddDays(3), Now),
            Seat("c", 0, 5, Reason.CapReached, Now.AddHours(9)),
            Seat("d", 0, 5));
        var health = board.Health(ActionType.InMail, Now);
        Assert.Equal(new PoolHealth(2, 4, Now.AddHours(9)), health);
        Assert.True(health.Degraded);
        Assert.False(new PoolHealth(3, 4, null).Degraded);
        Assert.False(new PoolHealth(0, 0, null).Degraded);
    }

    [Fact]
    public void Learn_FromASendAndARefusal_KeepsTheBoardTrue_UntilTheSeatIsReadAgain()
    {
        var board = Board(Seat("a", 0, 2), Seat("b", 0, 2));
        board.Learn("a", ActionType.InMail, new DispatchResult { Status = DispatchStatus.Sent, At = Now, NextSendAt = Now.AddSeconds(30) }, Now);
        Assert.False(board.CanSend("a", ActionType.InMail, Now));
        Assert.Equal("b", board.Pick(ActionType.InMail, Now, None));
        board.Learn("b", ActionType.InMail, new DispatchResult { Status = DispatchStatus.Blocked, Reason = Reason.AccountRestricted, At = Now }, Now);
        Assert.False(board.CanSend("b", ActionType.InMail, Now.AddDays(1)));
        Assert.Contains("b", board.Stale(Now.AddSeconds(1), TimeSpan.Zero));

        board.Read(Seat("b", 1, 2), Now.AddSeconds(1));
        Assert.True(board.CanSend("b", ActionType.InMail, Now.AddSeconds(1)));
        Assert.DoesNotContain("b", board.Stale(Now.AddSeconds(1), TimeSpan.FromSeconds(5)));
    }
}
