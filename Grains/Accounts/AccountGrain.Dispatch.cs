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
        // An outcome the log refused for now rides in the outbox: it answers the key as the log would.
        if (_account.FindInOutbox(command.Key) is { } outboxed)
        {
            return AccountDecider.Replay(outboxed);
        }
        // Half-open: one probe for the whole workspace, taken only once every local check has passed.
        var probe = workspaceSafety.State == SafetyState.HalfOpen;
        if (probe && !await SafetyGrain.TryAcquireProbeAsync(_accountId))
        {
            return new DispatchResult { Status = DispatchStatus.Blocked, Reason = Reason.SafetyMode, At = now };
        }
        if (await ClaimAsync(command, now, probe) is { } held)
        {
            return held;
        }

        var verdict = await CallUpstreamAsync(command);
        var o = options.Value;
        var jitter = o.MaxJitter > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * o.MaxJitter.TotalMilliseconds) : TimeSpan.Zero;
        var (result, effects) = _account.Apply(command, verdict, time.GetUtcNow(), jitter, probe);
        var afterError = await CarryOutAsync(effects);
        return afterError is null ? result : AccountDecider.AfterSafetyReport(result, afterError);
    }

    /// <summary>
    /// Claims the key in the event log before LinkedIn is called: one row (group-committed) that is the intent, the
    /// replay lookup and the guard against another activation of this account sending the same key (the key is
    /// unique in the database). Null: the key is this send's. Otherwise the answer without sending: the key's
    /// recorded outcome, another send of it in flight, or the log unavailable (then nothing is sent: BRIEF §8).
    /// </summary>
    private async Task<DispatchResult?> ClaimAsync(DispatchCommand command, DateTimeOffset now, bool probe)
    {
        var claim = _account.BeginSend(command, now);
        EventRecord? holder;
        try
        {
            holder = await eventLog.ClaimAsync(claim);
        }
        catch (Exception ex)
        {
            _account.Withdraw(command.Key);
            LogIntentNotPersisted(Key, command.Key, ex);
            await ReleaseProbeAsync(probe);
            return new DispatchResult { Status = DispatchStatus.Blocked, Reason = Reason.StorageUnavailable, At = now };
        }
        if (holder is null)
        {
            return null;
        }
        var (answer, effects) = _account.Held(command, holder, now);
        await CarryOutAsync(effects);
        await ReleaseProbeAsync(probe);
        return answer;
    }

    /// <summary>A half-open probe taken for a send that did not happen frees the workspace's probe slot.</summary>
    private async Task ReleaseProbeAsync(bool probe)
    {
        if (probe)
        {
            await SafetyGrain.ReportProbeAsync(_accountId, null);
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
