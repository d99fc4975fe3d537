using Orleans.Storage;

namespace OrleansBreaker.Accounts;

/// <summary>Dispatch as BRIEF §8 orders it: the decider's steps, with between them what only the grain can do.</summary>
internal sealed partial class AccountGrain
{
    public async Task<DispatchResult> DispatchAsync(DispatchCommand command)
    {
        var result = await DispatchCoreAsync(command);
        if (result.Outcome is null)
        {
            BreakerMetrics.Refusal(result.Status, result.Reason, command.Action);
        }
        return result;
    }

    private async Task<DispatchResult> DispatchCoreAsync(DispatchCommand command)
    {
        var now = time.GetUtcNow();
        if (_account.Answer(command, now) is { } answer)
        {
            return answer;
        }
        var workspaceSafety = await safety.GetAsync(_workspaceId);
        var gate = _account.Pass(command, workspaceSafety, now);
        await CarryOutAsync(gate.Effects);
        switch (gate.Kind)
        {
            case GateKind.Refuse:
                return gate.Refusal!;
            case GateKind.Skip:
                // A key already dispatched (its campaign lost our answer) gets its recorded outcome, not a skip
                // that would hide the delivery from the campaign until the breaker resumes.
                return await FindOutcomeBeforeSkipAsync(command.Key) ?? await SkipAsync(command, now);
        }

        if (_account.CountsStale(now))
        {
            await RecountAsync(CancellationToken.None);
        }
        if (_account.Admit(command, now) is { } refused)
        {
            return refused;
        }
        if (await FindOutcomeEventAsync(command.Key, CancellationToken.None) is { } logged)
        {
            return AccountDecider.Replay(logged);
        }
        // Half-open: one probe for the whole workspace, taken only once every local check has passed.
        var probe = workspaceSafety.State == SafetyState.HalfOpen;
        if (probe && !await SafetyGrain.TryAcquireProbeAsync(_accountId))
        {
            return new DispatchResult { Status = DispatchStatus.Blocked, Reason = Reason.SafetyMode, At = now };
        }
        if (!await PersistIntentAsync(command, now, probe))
        {
            return new DispatchResult { Status = DispatchStatus.Blocked, Reason = Reason.StorageUnavailable, At = now };
        }

        var verdict = await CallUpstreamAsync(command);
        var o = options.Value;
        var jitter = o.MaxJitter > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * o.MaxJitter.TotalMilliseconds) : TimeSpan.Zero;
        var (result, effects) = _account.Apply(command, verdict, time.GetUtcNow(), jitter, probe);
        var afterError = await CarryOutAsync(effects);
        return afterError is null ? result : AccountDecider.AfterSafetyReport(result, afterError);
    }

    /// <summary>
    /// The intent, written before LinkedIn is called. The write is ETag-checked, so a brief duplicate activation
    /// of this account fails here, before it sends. False: not written, so not sent (a probe taken is released).
    /// </summary>
    private async Task<bool> PersistIntentAsync(DispatchCommand command, DateTimeOffset now, bool probe)
    {
        _account.BeginSend(command, now);
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch (Exception ex)
        {
            _account.Withdraw(command.Key);
            LogIntentNotPersisted(Key, command.Key, ex);
            if (ex is InconsistentStateException)
            {
                DeactivateOnIdle();
            }
            if (probe)
            {
                await SafetyGrain.ReportProbeAsync(_accountId, null);
            }
            return false;
        }
    }

    private async Task<DispatchResult> SkipAsync(DispatchCommand command, DateTimeOffset now)
    {
        var (result, effects) = _account.Skip(command, now);
        await CarryOutAsync(effects);
        // Registrations that failed earlier are retried here: the persisted breaker keeps refusing meanwhile.
        await EnsureRemindersAsync();
        LogSkipped(Key, command.Action, command.ProspectId, result.ResumeAt);
        return result;
    }

    private async Task<UpstreamVerdict> CallUpstreamAsync(DispatchCommand command)
    {
        var request = new UpstreamRequest(_accountId, command.Action, command.ProspectId, command.ProfileUrl, GrainKeys.ProviderKey(_workspaceId, command.Key));
        UpstreamAnswer answer;
        using var timeout = new CancellationTokenSource(options.Value.UpstreamTimeout);
        try
        {
            answer = await throttle.RunAsync(() => upstream.SendAsync(request, timeout.Token));
        }
        catch (Exception ex)
        {
            // We cannot tell whether the request left the process: treat it as possibly performed.
            LogUpstreamThrew(Key, command.Key, ex);
            answer = UpstreamAnswer.TimedOut;
        }
        var verdict = UpstreamClassifier.Classify(command.Action, answer);
        BreakerMetrics.Outcome(verdict.Class, command.Action);
        LogUpstreamAnswer(Key, command.Action, command.ProspectId, verdict.Class, verdict.Code);
        return verdict;
    }
}
