using Microsoft.Extensions.DependencyInjection;

namespace OrleansBreaker.Safety;

/// <summary>
/// One workspace's temporary safety mode. Not on the per-action path: accounts read it through
/// <see cref="SafetyModeCache"/> (bounded staleness) and call it only to report transient errors and
/// to take the half-open probe. State is written only when the phase changes.
/// </summary>
internal sealed partial class SafetyModeGrain(
    [PersistentState("safety", StorageNames.GrainStore)] IPersistentState<SafetyModeState> state,
    IEventLog eventLog,
    [FromKeyedServices(BreakerServices.ClockKey)] TimeProvider time,
    ILogger<SafetyModeGrain> logger) : Grain, ISafetyModeGrain
{
    private string Workspace => this.GetPrimaryKeyString();

    // The per-silo "workspaces in safety mode" gauge counts this activation while its phase is Open.
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Phase != SafetyState.Closed)
        {
            BreakerMetrics.SafetyOpenWorkspaces.Add(1);
        }
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (state.State.Phase != SafetyState.Closed)
        {
            BreakerMetrics.SafetyOpenWorkspaces.Add(-1);
        }
        return Task.CompletedTask;
    }

    public Task<SafetyView> GetViewAsync() => Task.FromResult(SafetyMode.View(state.State, time.GetUtcNow()));

    public async Task<SafetyView> ConfigureAsync(SafetySettings settings)
    {
        if (settings.Errors < 1 || settings.DistinctAccounts < 1 || settings.DistinctAccounts > settings.Errors || settings.Window <= TimeSpan.Zero)
        {
            throw new ArgumentException("Safety mode needs errors ≥ 1, 1 ≤ distinct accounts ≤ errors, and a positive window.", nameof(settings));
        }
        state.State = state.State with { Settings = settings };
        await state.WriteStateAsync();
        return SafetyMode.View(state.State, time.GetUtcNow());
    }

    public async Task<SafetyView> ReportErrorAsync(SafetyErrorReport report)
    {
        var now = time.GetUtcNow();
        var (next, tripped) = SafetyMode.RecordError(state.State, report, now);
        var burst = tripped ? SafetyMode.InWindow(next, now) : [];
        state.State = next;
        if (tripped)
        {
            await state.WriteStateAsync();
            BreakerMetrics.SafetyTrips.Add(1);
            BreakerMetrics.SafetyOpenWorkspaces.Add(1);
            LogTripped(Workspace, burst.Count, burst.Select(e => e.AccountId).Distinct().Count(), next.ResumeAt);
            await AppendAsync(EventKind.SafetyModeTripped, now, next.ResumeAt,
                $"Temporary safety mode: {burst.Count} upstream errors from {burst.Select(e => e.AccountId).Distinct().Count()} accounts; no dispatch until {next.ResumeAt:u}");
            // The prospects whose own attempts failed in the burst are marked Failed (circuit breaker), retryable.
            foreach (var campaign in burst.GroupBy(e => e.CampaignId))
            {
                await GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Workspace, campaign.Key))
                    .SafetyModeTrippedAsync([.. campaign.Select(e => e.ProspectId).Distinct()], next.ResumeAt);
            }
        }
        return SafetyMode.View(state.State, now);
    }

    public Task<bool> TryAcquireProbeAsync(string accountId)
    {
        var (next, granted) = SafetyMode.TryAcquireProbe(state.State, accountId, time.GetUtcNow());
        state.State = next; // the lease lives in memory: a lost lease only delays the next probe
        return Task.FromResult(granted);
    }

    public async Task<SafetyView> ReportProbeAsync(string accountId, bool? succeeded)
    {
        var now = time.GetUtcNow();
        var before = state.State;
        var next = SafetyMode.ProbeResult(before, accountId, succeeded, now);
        state.State = next;
        if (next.Phase != before.Phase || next.ResumeAt != before.ResumeAt)
        {
            await state.WriteStateAsync();
            if (next.Phase == SafetyState.Closed)
            {
                BreakerMetrics.SafetyClears.Add(1);
                BreakerMetrics.SafetyOpenWorkspaces.Add(-1);
                LogCleared(Workspace, accountId);
                await AppendAsync(EventKind.SafetyModeCleared, now, null, "Temporary safety mode cleared: the probe dispatch succeeded");
            }
            else
            {
                BreakerMetrics.SafetyTrips.Add(1);
                LogReopened(Workspace, next.ResumeAt);
                await AppendAsync(EventKind.SafetyModeTripped, now, next.ResumeAt, $"Temporary safety mode re-opened: the probe failed; no dispatch until {next.ResumeAt:u}");
            }
        }
        return SafetyMode.View(next, now);
    }

    private async Task AppendAsync(EventKind kind, DateTimeOffset at, DateTimeOffset? resumeAt, string text)
    {
        try
        {
            await eventLog.AppendAsync([new EventRecord { At = at, Kind = kind, WorkspaceId = Workspace, Reason = Reason.SafetyMode, ResumeAt = resumeAt, Text = text }]);
        }
        catch (Exception ex)
        {
            LogEventLogUnavailable(Workspace, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {Workspace}: temporary safety mode TRIPPED ({Errors} errors from {Accounts} accounts); no dispatch until {ResumeAt:u}")]
    private partial void LogTripped(string workspace, int errors, int accounts, DateTimeOffset? resumeAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {Workspace}: safety-mode probe failed; re-opened until {ResumeAt:u}")]
    private partial void LogReopened(string workspace, DateTimeOffset? resumeAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {Workspace}: temporary safety mode cleared by a successful probe on {Account}")]
    private partial void LogCleared(string workspace, string account);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {Workspace}: could not write a safety-mode event")]
    private partial void LogEventLogUnavailable(string workspace, Exception ex);
}
