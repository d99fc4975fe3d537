namespace OrleansBreaker.Accounts;

/// <summary>What the account reads back from the event log: at activation (the outbox, pending intents, the counts) and before a send.</summary>
internal sealed partial class AccountGrain
{
    private async Task FlushOutboxAsync()
    {
        if (S.Outbox.Count == 0)
        {
            return;
        }
        try
        {
            await eventLog.AppendAsync(S.Outbox);
            S.Outbox.Clear();
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            LogEventLogUnavailable(Key, S.Outbox.Count, ex);
        }
    }

    /// <summary>
    /// Sends a crash interrupted between the claim and the outcome: LinkedIn may have performed them, so each
    /// becomes Unknown, never re-sent. (Intents pending in state come from builds before claims: resolved from
    /// the log, else Unknown too.)
    /// </summary>
    private async Task ResolvePendingIntentsAsync(CancellationToken cancellationToken)
    {
        var pending = _account.Pending();
        var claims = await eventLog.ReadClaimsAsync(_workspaceId, _accountId, cancellationToken);
        if (pending.Count == 0 && claims.Count == 0)
        {
            return;
        }
        var events = new List<EventRecord>();
        foreach (var intent in pending)
        {
            var logged = await FindOutcomeEventAsync(intent.Key, cancellationToken);
            if (_account.Resolve(intent, logged, time.GetUtcNow()) is { } unknown)
            {
                events.Add(unknown);
                LogIntentUnknown(Key, intent.Key);
            }
        }
        foreach (var claim in claims)
        {
            events.Add(_account.Interrupted(claim, time.GetUtcNow()));
            LogIntentUnknown(Key, claim.Key!);
        }
        if (events.Count > 0)
        {
            await eventLog.AppendAsync(events, cancellationToken);
        }
        _account.PruneIntents(time.GetUtcNow());
        await state.WriteStateAsync();
    }

    private async Task RecountAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        _account.Recount(await eventLog.ReadDeliveredSinceAsync(_workspaceId, _accountId, _account.CountSince(now), cancellationToken), now);
    }

    /// <summary>
    /// A skip must not hide a delivery its campaign lost the answer to; but a skip sends nothing, so when
    /// the log cannot be read the skip stands (it is what the account would answer without the lookup).
    /// </summary>
    private async Task<DispatchResult?> FindOutcomeBeforeSkipAsync(string key)
    {
        try
        {
            return await FindOutcomeEventAsync(key, CancellationToken.None) is { } logged ? AccountDecider.Replay(logged) : null;
        }
        catch (Exception ex)
        {
            LogReplayLookupFailed(Key, key, ex);
            return null;
        }
    }

    /// <summary>The recorded outcome of a key, wherever the account holds it: the events still in its outbox, then the log.</summary>
    private async Task<EventRecord?> FindOutcomeEventAsync(string key, CancellationToken cancellationToken) =>
        _account.FindInOutbox(key) ?? await eventLog.FindByKeyAsync(_workspaceId, _accountId, key, cancellationToken);
}
