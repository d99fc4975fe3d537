using System.Collections.Concurrent;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>An event log that hands every call to another; tests override what they watch or break.</summary>
public abstract class DelegatingEventLog(IEventLog inner) : IEventLog
{
    public virtual Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default) =>
        inner.AppendAsync(events, cancellationToken);

    public Task<EventPage> ReadCampaignAsync(string workspaceId, string campaignId, ActivityQuery query, CancellationToken cancellationToken = default) =>
        inner.ReadCampaignAsync(workspaceId, campaignId, query, cancellationToken);

    public Task<EventRecord?> FindSuccessSinceAsync(string workspaceId, string accountId, ActionType action, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        inner.FindSuccessSinceAsync(workspaceId, accountId, action, since, cancellationToken);

    public Task<IReadOnlyList<DeliveredAction>> ReadDeliveredSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        inner.ReadDeliveredSinceAsync(workspaceId, accountId, since, cancellationToken);

    public Task<IReadOnlyList<BreakerMark>> ReadBreakerMarksSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        inner.ReadBreakerMarksSinceAsync(workspaceId, accountId, since, cancellationToken);

    public Task<IReadOnlyList<DaySentCount>> CountCampaignSentAsync(string workspaceId, string campaignId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        inner.CountCampaignSentAsync(workspaceId, campaignId, since, cancellationToken);

    public Task<EventRecord?> FindByKeyAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default) =>
        inner.FindByKeyAsync(workspaceId, accountId, key, cancellationToken);

    public Task<EventRecord?> FindLatestSentToProspectAsync(string workspaceId, string accountId, string prospectId, CancellationToken cancellationToken = default) =>
        inner.FindLatestSentToProspectAsync(workspaceId, accountId, prospectId, cancellationToken);

    public virtual Task<EventRecord?> ClaimAsync(EventRecord claim, CancellationToken cancellationToken = default) =>
        inner.ClaimAsync(claim, cancellationToken);

    public Task ReleaseAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default) =>
        inner.ReleaseAsync(workspaceId, accountId, key, cancellationToken);

    public Task<IReadOnlyList<EventRecord>> ReadClaimsAsync(string workspaceId, string accountId, CancellationToken cancellationToken = default) =>
        inner.ReadClaimsAsync(workspaceId, accountId, cancellationToken);
}

/// <summary>
/// The in-memory event log, with appends that can be made to fail for chosen accounts while reads keep
/// working: the log refusing writes for a while, as a database under trouble does.
/// </summary>
public sealed class FaultyEventLog(IEventLog inner) : DelegatingEventLog(inner)
{
    private readonly ConcurrentDictionary<string, bool> _refusing = new(StringComparer.Ordinal);

    /// <summary>Appends of events of this account fail until the returned handle is disposed.</summary>
    public IDisposable RefuseAppendsFor(string accountId)
    {
        _refusing[accountId] = true;
        return new Release(() => _refusing.TryRemove(accountId, out _));
    }

    public override Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default) =>
        events.Any(e => e.AccountId is { } a && _refusing.ContainsKey(a))
            ? Task.FromException<IReadOnlyList<EventRecord>>(new TimeoutException("The test's event log refuses appends for this account."))
            : base.AppendAsync(events, cancellationToken);

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}
