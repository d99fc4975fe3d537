namespace OrleansBreaker.Accounts;

/// <summary>The persisted state of one (account, action type) breaker.</summary>
[GenerateSerializer, Alias("OrleansBreaker.BreakerRecord")]
public sealed record BreakerRecord
{
    public static readonly BreakerRecord Closed = new();

    [Id(0)] public BreakerState State { get; init; }
    [Id(1)] public OutcomeClass? Reason { get; init; }
    [Id(2)] public DateTimeOffset? TrippedAt { get; init; }
    [Id(3)] public DateTimeOffset? ResumeAt { get; init; }
    [Id(4)] public string? Evidence { get; init; }
    /// <summary>The last scheduled reset this breaker resumed at; a refusal within 48 h of it re-arms short.</summary>
    [Id(5)] public DateTimeOffset? LastResetAt { get; init; }
    /// <summary>True when <see cref="ResumeAt"/> is the short 6-hour re-check after a failed post-reset probe.</summary>
    [Id(6)] public bool ReArmed { get; init; }
    /// <summary>InMail refusals that cannot be told apart from "recipient does not accept InMail", last 24 h.</summary>
    [Id(7)] public IReadOnlyList<AmbiguousRefusal> Ambiguous { get; init; } = [];

    public bool IsOpen => State == BreakerState.Open;
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.AmbiguousRefusal")]
public sealed record AmbiguousRefusal([property: Id(0)] string Recipient, [property: Id(1)] DateTimeOffset At);

/// <summary>What the breaker says about one dispatch.</summary>
public enum BreakerDecision
{
    /// <summary>Send.</summary>
    Allow,
    /// <summary>Send, and this send is the single-flight probe after a scheduled resume.</summary>
    Probe,
    /// <summary>Do not call the upstream: skip until the breaker clears.</summary>
    Skip,
}

/// <summary>
/// The per-account, per-action breaker of BRIEF §4 as pure transitions. A refusal-to-send pattern:
/// it only ever withholds a send; nothing here can send, bypass a cap, or change account status.
/// There is deliberately no transition that clears without evidence (a reset or a success).
/// </summary>
public static class Breaker
{
    /// <summary>A refusal this soon after a reset re-arms for <see cref="ReArmRecheck"/> instead of a month: renewals lag.</summary>
    public static readonly TimeSpan ReArmWindow = TimeSpan.FromHours(48);
    public static readonly TimeSpan ReArmRecheck = TimeSpan.FromHours(6);
    /// <summary>LinkedIn's weekly invitation limit is a rolling 7 days from when it was hit.</summary>
    public static readonly TimeSpan InviteLimitWindow = TimeSpan.FromDays(7);
    public static readonly TimeSpan AmbiguousWindow = TimeSpan.FromHours(24);
    public const int AmbiguousDistinctRecipients = 2;

    /// <summary>The breaker's answer to a dispatch at <paramref name="now"/>.</summary>
    public static BreakerDecision Decide(BreakerRecord breaker) => breaker.State switch
    {
        BreakerState.Open => BreakerDecision.Skip,
        BreakerState.Probing => BreakerDecision.Probe,
        _ => BreakerDecision.Allow,
    };

    /// <summary>Whether a scheduled resume is due: the breaker is open and its resume instant has passed.</summary>
    public static bool ResumeDue(BreakerRecord breaker, DateTimeOffset now) =>
        breaker.IsOpen && breaker.ResumeAt is { } at && now >= at;

    /// <summary>
    /// Opens the breaker of <paramref name="action"/> after an upstream refusal of class <paramref name="reason"/>.
    /// </summary>
    public static BreakerRecord Trip(BreakerRecord breaker, ActionType action, OutcomeClass reason, DateTimeOffset now,
        TimeZoneInfo zone, int resetDay, string? evidence)
    {
        var reArm = false;
        DateTimeOffset resumeAt;
        if (reason == OutcomeClass.CreditsExhausted)
        {
            reArm = breaker.LastResetAt is { } reset && now - reset < ReArmWindow;
            resumeAt = reArm ? now + ReArmRecheck : ResetCalendar.NextReset(now, resetDay);
        }
        else
        {
            resumeAt = action == ActionType.Invite ? now + InviteLimitWindow : CapWindows.NextDayStart(now, zone);
        }

        return breaker with
        {
            State = BreakerState.Open,
            Reason = reason,
            TrippedAt = now,
            ResumeAt = resumeAt,
            Evidence = evidence,
            ReArmed = reArm,
            Ambiguous = [],
        };
    }

    /// <summary>A scheduled resume: the breaker lets one probe through. Idempotent; a no-op unless <see cref="ResumeDue"/>.</summary>
    public static BreakerRecord Resume(BreakerRecord breaker, DateTimeOffset now)
    {
        if (!ResumeDue(breaker, now))
        {
            return breaker;
        }
        return breaker with
        {
            State = BreakerState.Probing,
            // Only a monthly credit reset starts the 48-hour re-arm window (renewals lag); a window
            // rolling on another limit does not. A short re-arm keeps counting from the real reset.
            LastResetAt = breaker.Reason != OutcomeClass.CreditsExhausted || breaker.ReArmed ? breaker.LastResetAt : breaker.ResumeAt,
        };
    }

    /// <summary>
    /// Evidence of success (a delivered action of this type at <paramref name="successAt"/>) clears the breaker,
    /// if the success happened after the trip. Idempotent.
    /// </summary>
    public static BreakerRecord ClearOnSuccess(BreakerRecord breaker, DateTimeOffset successAt)
    {
        if (breaker.State == BreakerState.Closed)
        {
            return breaker;
        }
        // A success at the trip instant itself is the last send before the refusal, not evidence of credits.
        if (breaker.IsOpen && breaker.TrippedAt is { } tripped && successAt <= tripped)
        {
            return breaker;
        }
        return breaker with { State = BreakerState.Closed, Reason = null, TrippedAt = null, ResumeAt = null, Evidence = null, ReArmed = false, Ambiguous = [] };
    }

    /// <summary>
    /// Records an ambiguous InMail refusal. Returns the updated record and whether it now has refusals
    /// from <see cref="AmbiguousDistinctRecipients"/> distinct recipients within 24 h (then the caller trips).
    /// </summary>
    public static (BreakerRecord Breaker, bool ShouldTrip) RecordAmbiguous(BreakerRecord breaker, string recipient, DateTimeOffset now)
    {
        var recent = breaker.Ambiguous.Where(r => now - r.At < AmbiguousWindow && r.Recipient != recipient).ToList();
        recent.Add(new AmbiguousRefusal(recipient, now));
        var distinct = recent.Select(r => r.Recipient).Distinct(StringComparer.Ordinal).Count();
        return (breaker with { Ambiguous = recent }, distinct >= AmbiguousDistinctRecipients);
    }

    /// <summary>The typed reason a skip carries for a breaker opened by <paramref name="reason"/> on <paramref name="action"/>.</summary>
    public static Reason SkipReason(ActionType action, OutcomeClass? reason) =>
        action == ActionType.InMail && reason == OutcomeClass.CreditsExhausted ? OrleansBreaker.Reason.InMailCreditsExhausted : OrleansBreaker.Reason.ActionLimitReached;

    /// <summary>
    /// Where the search for success evidence starts: just after the trip. One microsecond, because
    /// PostgreSQL keeps timestamps to the microsecond.
    /// </summary>
    public static DateTimeOffset EvidenceSince(DateTimeOffset trippedAt) => trippedAt.AddTicks(TimeSpan.TicksPerMillisecond / 1000);

    /// <summary>How the breaker will clear, in words a user reads.</summary>
    public static string? ClearsBy(BreakerRecord breaker, ActionType action) => breaker.State switch
    {
        BreakerState.Open when breaker.ReArmed => $"a re-check at {breaker.ResumeAt:u} (credits renewal lagging after the reset), or a successful {action} on this account",
        BreakerState.Open when breaker.Reason == OutcomeClass.CreditsExhausted => $"the monthly reset at {breaker.ResumeAt:u}, or a successful {action} on this account",
        BreakerState.Open => $"LinkedIn's window rolling at {breaker.ResumeAt:u}, or a successful {action} on this account",
        BreakerState.Probing => $"the next {action} is a single probe; success closes the breaker",
        _ => null,
    };
}
