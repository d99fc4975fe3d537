using Orleans.Runtime;
using Orleans.Storage;

namespace OrleansBreaker.Accounts;

/// <summary>Carries out what <see cref="AccountDecider"/> decided, in the order <see cref="Effects"/> documents.</summary>
internal sealed partial class AccountGrain
{
    private ISafetyModeGrain SafetyGrain => GrainFactory.GetGrain<ISafetyModeGrain>(_workspaceId);

    /// <summary>Returns the safety mode's view after a transient error was reported to it; null otherwise.</summary>
    private async Task<SafetyView?> CarryOutAsync(Effects? effects)
    {
        if (effects is null)
        {
            return null;
        }
        foreach (var note in effects.Notes)
        {
            Report(note);
        }
        var write = effects.Write;
        if (effects.Events.Count > 0)
        {
            try
            {
                await eventLog.AppendAsync(effects.Events);
            }
            catch (Exception ex)
            {
                // Nothing is lost: the events ride in the grain state until the log takes them.
                LogEventLogUnavailable(Key, effects.Events.Count, ex);
                S.Outbox.AddRange(effects.Events);
                write = write == StateWrite.NowOrFail ? write : StateWrite.Now;
            }
        }
        foreach (var key in effects.Release)
        {
            await ReleaseClaimAsync(key);
        }
        if (write == StateWrite.NowOrFail)
        {
            await state.WriteStateAsync();
        }
        else if (write == StateWrite.Now)
        {
            await WriteOutcomeAsync();
        }
        if (effects.EnsureReminders)
        {
            _remindersUnsure = true;
            await EnsureRemindersAsync();
        }
        foreach (var action in effects.DropReminders)
        {
            await UnregisterAsync(AccountReminders.Name(ReminderKind.Reset, action));
            await UnregisterAsync(AccountReminders.Name(ReminderKind.Recheck, action));
        }
        foreach (var (action, campaigns) in effects.Cleared)
        {
            foreach (var campaign in campaigns)
            {
                // One-way: a campaign may be calling this account right now.
                await GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_workspaceId, campaign)).BreakerClearedAsync(_accountId, action);
            }
        }
        return effects.Safety is { } report ? await ReportToSafetyModeAsync(report) : null;
    }

    /// <summary>A state write after the event log has what happened: a failure is logged, and a reactivation resolves the rest from the log.</summary>
    private async Task WriteOutcomeAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            // A reactivation finds the pending intent, looks its key up in the log, and marks it Unknown if it is not there.
            LogOutcomeNotPersisted(Key, ex);
            if (ex is InconsistentStateException)
            {
                DeactivateOnIdle();
            }
        }
    }

    /// <summary>
    /// Gives a claimed key back. A claim that stays (the log unavailable) is, at the account's next activation or
    /// once older than any send in flight, taken for an interrupted send: Unknown, never re-sent. The safe side.
    /// </summary>
    private async Task ReleaseClaimAsync(string key)
    {
        try
        {
            await eventLog.ReleaseAsync(_workspaceId, _accountId, key);
        }
        catch (Exception ex)
        {
            LogClaimNotReleased(Key, key, ex);
        }
    }

    /// <summary>
    /// Feeds the workspace safety mode: transient failures count toward a trip; a half-open probe's outcome
    /// closes or re-opens it. Returns the view after an error report, for the prospect's "failed (circuit breaker)".
    /// </summary>
    private async Task<SafetyView?> ReportToSafetyModeAsync(SafetyReport report)
    {
        try
        {
            if (report.Error is { } error)
            {
                var view = await SafetyGrain.ReportErrorAsync(error);
                safety.Update(_workspaceId, view);
                return view;
            }
            safety.Update(_workspaceId, await SafetyGrain.ReportProbeAsync(_accountId, report.ProbeSucceeded));
        }
        catch (Exception ex)
        {
            // The outcome is recorded; the safety mode learns of the next error instead.
            LogSafetyReportFailed(Key, ex);
        }
        return null;
    }

    private void Report(Note note)
    {
        switch (note)
        {
            case TrippedNote t:
                LogTripped(Key, t.Action, t.Reason, t.ResumeAt, t.ReArmed);
                BreakerMetrics.Trip(t.Action, t.Reason);
                break;
            case ResumedNote r:
                LogResumed(Key, r.Action, r.ResumeAt);
                BreakerMetrics.Clear(r.Action);
                break;
            case ClearedNote c:
                LogCleared(Key, c.Action, c.Why);
                BreakerMetrics.Clear(c.Action);
                break;
            case StatusNote s:
                LogStatusChanged(Key, s.Status, s.Code);
                break;
        }
    }
}
