namespace OrleansBreaker.EventLog;

/// <summary>Claims of idempotency keys (IEventLog.ClaimAsync): rows of kind Claimed under the unique key of 002.</summary>
public sealed partial class PostgresEventLog
{
    /// <remarks>
    /// The send's intent, its duplicate guard and its replay lookup in one row of the group commit: the key is
    /// unique per account, so a key already held (an outcome, or another send's claim) stores nothing, and the
    /// row holding it is read back in the same flush. Claims share their statement and commit with the other
    /// accounts' claims and outcomes queued meanwhile (docs/benchmarks.md, finding D.5).
    /// </remarks>
    public async Task<EventRecord?> ClaimAsync(EventRecord claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (claim.Kind != EventKind.Claimed || claim.AccountId is null || claim.Key is null)
        {
            throw new ArgumentException("A claim is an event of kind Claimed with an account and a key.", nameof(claim));
        }
        var row = claim with { At = AsStored(claim.At) };
        // The holder can be released between the insert and the read: then the key is free, and claimed again.
        for (var attempt = 0; ; attempt++)
        {
            var written = (await EnqueueAsync([row], cancellationToken))[0];
            if (written.Inserted)
            {
                return null;
            }
            if (written.Row is { } holder)
            {
                return holder;
            }
            if (attempt > 0)
            {
                throw new InvalidOperationException($"Key '{claim.Key}' of account {claim.AccountId} was neither claimed nor found held, twice.");
            }
        }
    }

    public async Task ReleaseAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(accountId);
        ArgumentNullException.ThrowIfNull(key);
        await using var command = _dataSource.CreateCommand("""
            DELETE FROM breaker_events
            WHERE workspace_id = @workspace_id AND account_id = @account_id AND key = @key AND kind = 'Claimed'
            """);
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("account_id", accountId);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<EventRecord>> ReadClaimsAsync(string workspaceId, string accountId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspaceId);
        ArgumentNullException.ThrowIfNull(accountId);
        // ix_breaker_events_claims (007): the few unresolved claims, never the account's history.
        await using var command = _dataSource.CreateCommand($"""
            SELECT {SelectColumns} FROM breaker_events
            WHERE workspace_id = @workspace_id AND account_id = @account_id AND kind = 'Claimed'
            ORDER BY seq
            """);
        command.Parameters.AddWithValue("workspace_id", workspaceId);
        command.Parameters.AddWithValue("account_id", accountId);
        return await ReadEventsAsync(command, cancellationToken);
    }
}
