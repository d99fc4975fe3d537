namespace OrleansBreaker.Campaigns;

/// <summary>What applying one dispatch result does to the campaign besides the prospect itself.</summary>
public readonly record struct ProspectEffect(bool CountSent, bool EmitSkip, bool CountFailed);

/// <summary>
/// How a prospect moves through its steps given the account's answer (BRIEF §5). Pure: the grain
/// persists the result and writes the events it asks for.
/// </summary>
public static class ProspectMachine
{
    /// <summary>Without a notification, look again this long after a breaker's resume instant (resumes are jittered up to 5 min).</summary>
    public static readonly TimeSpan BreakerFallback = TimeSpan.FromMinutes(10);
    /// <summary>Blocked prospects (account status, storage down) are looked at again this often.</summary>
    public static readonly TimeSpan BlockedRecheck = TimeSpan.FromMinutes(5);
    /// <summary>Prospects blocked because storage was unreachable are looked at again this often.</summary>
    public static readonly TimeSpan StorageRecheck = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan RetryBase = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan RetryCap = TimeSpan.FromHours(1);

    public static ProspectRecord Enrol(ProspectInput input, IReadOnlyList<StepDefinition> steps, DateTimeOffset now) =>
        AtStep(new ProspectRecord { Id = input.Id, ProfileUrl = input.ProfileUrl }, 0, steps, now);

    /// <summary>Puts a prospect at the start of step <paramref name="index"/>: due now, or waiting for the step's delay.</summary>
    private static ProspectRecord AtStep(ProspectRecord p, int index, IReadOnlyList<StepDefinition> steps, DateTimeOffset now)
    {
        var delay = TimeSpan.FromMinutes(index < steps.Count ? steps[index].DelayMinutes : 0);
        return p with
        {
            StepIndex = index,
            Status = delay > TimeSpan.Zero ? ProspectStatus.Waiting : ProspectStatus.Due,
            Reason = delay > TimeSpan.Zero ? Reason.StepDelay : Reason.None,
            ResumeAt = delay > TimeSpan.Zero ? now + delay : null,
            WakeAt = now + delay,
            Attempts = 0,
        };
    }

    /// <summary>Blocked by a half-open safety mode (a probe in flight elsewhere): look again soon.</summary>
    public static readonly TimeSpan SafetyRecheck = TimeSpan.FromSeconds(15);

    public static bool IsDue(ProspectRecord p, DateTimeOffset now) =>
        (p.Status is ProspectStatus.Due or ProspectStatus.Waiting || IsRetryableFailure(p)) && p.WakeAt is { } wake && wake <= now;

    /// <summary>Failed in a burst that tripped the workspace safety mode: retried once the safety mode lets dispatch through.</summary>
    public static bool IsRetryableFailure(ProspectRecord p) => p.Status == ProspectStatus.Failed && p.Reason == Reason.CircuitBreaker;

    /// <summary>The safety mode tripped on a burst that included this prospect's own failed attempt.</summary>
    public static ProspectRecord FailedInBurst(ProspectRecord p, DateTimeOffset? resumeAt, DateTimeOffset now) =>
        p.Status == ProspectStatus.Waiting && p.Reason is Reason.UpstreamError or Reason.RateLimited
            ? p with { Status = ProspectStatus.Failed, Reason = Reason.CircuitBreaker, ResumeAt = resumeAt, WakeAt = resumeAt ?? now + SafetyRecheck }
            : p;

    public static (ProspectRecord Next, ProspectEffect Effect) Apply(ProspectRecord p, DispatchResult result, IReadOnlyList<StepDefinition> steps, DateTimeOffset now)
    {
        switch (result.Status)
        {
            case DispatchStatus.Sent:
                // Counted even when replayed: the prospect still stands at this step, so the campaign never
                // recorded this delivery (its state write was lost, or the call timed out after the send).
                var next = p.StepIndex + 1;
                return (next >= steps.Count
                    ? p with { StepIndex = next - 1, Status = ProspectStatus.Done, Reason = Reason.None, ResumeAt = null, WakeAt = null, Attempts = 0 }
                    : AtStep(p, next, steps, now), new ProspectEffect(CountSent: true, EmitSkip: false, CountFailed: false));

            case DispatchStatus.Skipped:
                // The step state is preserved: same step, waiting for the breaker. One skip event per trip.
                var firstForTrip = p.SkippedStep != p.StepIndex || p.SkippedTrip != result.TripId;
                var wake = result.ResumeAt is { } at && at > now ? at + BreakerFallback : now + TimeSpan.FromMinutes(1);
                return (p with
                {
                    Status = ProspectStatus.Waiting, Reason = result.Reason, ResumeAt = result.ResumeAt, WakeAt = wake,
                    SkippedTrip = result.TripId, SkippedStep = p.StepIndex,
                }, new ProspectEffect(false, EmitSkip: firstForTrip, false));

            case DispatchStatus.Deferred:
                return (p with { Status = ProspectStatus.Waiting, Reason = result.Reason, ResumeAt = result.ResumeAt, WakeAt = result.ResumeAt ?? now + BlockedRecheck }, default);

            case DispatchStatus.Blocked:
                // Storage trouble is usually brief: look again soon. Account status needs a person: look rarely.
                // Safety mode: at its resume time (then one probe goes), or soon if a probe is already out.
                var wakeAt = result.Reason switch
                {
                    Reason.StorageUnavailable => now + StorageRecheck,
                    Reason.SafetyMode => result.ResumeAt is { } safeAt && safeAt > now ? safeAt : now + SafetyRecheck,
                    _ => now + BlockedRecheck,
                };
                return (p with { Status = ProspectStatus.Waiting, Reason = result.Reason, ResumeAt = result.ResumeAt, WakeAt = wakeAt }, default);

            case DispatchStatus.Retry:
                var attempts = p.Attempts + 1;
                var delay = TimeSpan.FromTicks(Math.Min(RetryCap.Ticks, RetryBase.Ticks << Math.Min(attempts - 1, 20)));
                return (p with { Status = ProspectStatus.Waiting, Reason = result.Reason, ResumeAt = now + delay, WakeAt = now + delay, Attempts = attempts }, default);

            case DispatchStatus.Failed when result.Reason == Reason.CircuitBreaker:
                // Retryable: this attempt tripped the workspace safety mode. Not a final failure.
                return (p with { Status = ProspectStatus.Failed, Reason = Reason.CircuitBreaker, ResumeAt = result.ResumeAt, WakeAt = result.ResumeAt ?? now + SafetyRecheck }, default);

            case DispatchStatus.Failed:
                return (p with { Status = ProspectStatus.Failed, Reason = result.Reason, ResumeAt = null, WakeAt = null }, new ProspectEffect(false, false, CountFailed: true));

            default:
                // Unknown: the send may have happened. Never re-sent automatically; a person decides.
                return (p with { Status = ProspectStatus.Unknown, Reason = Reason.OutcomeUnknown, ResumeAt = null, WakeAt = null }, default);
        }
    }

    /// <summary>
    /// The campaign's steps changed: a prospect whose step no longer exists has walked the whole (shorter)
    /// sequence and is done; one on a step that still exists keeps its place and its state.
    /// </summary>
    public static ProspectRecord StepsChanged(ProspectRecord p, int stepCount)
    {
        if (p.StepIndex < stepCount)
        {
            return p;
        }
        return p with { StepIndex = stepCount - 1, Status = ProspectStatus.Done, Reason = Reason.None, ResumeAt = null, WakeAt = null, Attempts = 0 };
    }

    /// <summary>A prospect bound to an account that left the pool looks again this often (the pool's change wakes it sooner).</summary>
    public static readonly TimeSpan PoolRecheck = TimeSpan.FromHours(1);

    /// <summary>
    /// The prospect's account left the campaign's pool (BRIEF §11): its conversation stays with that seat, so it
    /// waits, typed, until the account is back. Done and final prospects keep what they are.
    /// </summary>
    public static ProspectRecord AccountRemoved(ProspectRecord p, DateTimeOffset now) =>
        p.WakeAt is null || p.Status is ProspectStatus.Done ? p
            : p with { Status = ProspectStatus.Waiting, Reason = Reason.AccountRemovedFromPool, ResumeAt = null, WakeAt = now + PoolRecheck };

    /// <summary>The account came back to the pool: its prospects move again (each step's own checks still apply).</summary>
    public static ProspectRecord AccountReturned(ProspectRecord p, DateTimeOffset now) =>
        p.Status == ProspectStatus.Waiting && p.Reason == Reason.AccountRemovedFromPool
            ? p with { Status = ProspectStatus.Due, Reason = Reason.None, ResumeAt = null, WakeAt = now }
            : p;

    /// <summary>What a prospect not bound yet waits on when no pool account could take it: another seat may.</summary>
    public static readonly IReadOnlyCollection<Reason> SeatReasons =
    [
        Reason.InMailCreditsExhausted, Reason.ActionLimitReached, Reason.CapReached, Reason.WarmUp, Reason.OutsideWorkingHours,
        Reason.AccountDisconnected, Reason.AccountRestricted, Reason.ActionDisabled,
    ];

    /// <summary>The pool gained accounts: a prospect not bound yet that waits on what the old seats could not do moves now.</summary>
    public static ProspectRecord PoolGrew(ProspectRecord p, DateTimeOffset now) =>
        p.AccountId is null && p.Status == ProspectStatus.Waiting && SeatReasons.Contains(p.Reason)
            ? p with { Status = ProspectStatus.Due, Reason = Reason.None, ResumeAt = null, WakeAt = now }
            : p;

    /// <summary>A breaker the prospect waits on cleared: it becomes due again (paced and capped as usual).</summary>
    public static ProspectRecord BreakerCleared(ProspectRecord p, DateTimeOffset now) =>
        p.Status == ProspectStatus.Waiting && p.Reason is Reason.InMailCreditsExhausted or Reason.ActionLimitReached
            ? p with { Status = ProspectStatus.Due, Reason = Reason.None, ResumeAt = null, WakeAt = now }
            : p;
}
