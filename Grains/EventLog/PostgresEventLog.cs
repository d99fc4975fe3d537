// PLACEHOLDER written by the lead so the build compiles; helper-1 owns this file and replaces it entirely.
using Npgsql;

namespace OrleansBreaker.EventLog;

public sealed class PostgresEventLog(NpgsqlDataSource dataSource) : IEventLog
{
    private readonly NpgsqlDataSource _ = dataSource;
    public Task<IReadOnlyList<EventRecord>> AppendAsync(IReadOnlyList<EventRecord> events, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task<EventPage> ReadCampaignAsync(string workspaceId, string campaignId, ActivityQuery query, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task<EventRecord?> FindSuccessSinceAsync(string workspaceId, string accountId, ActionType action, DateTimeOffset since, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task<IReadOnlyList<DeliveredAction>> ReadDeliveredSinceAsync(string workspaceId, string accountId, DateTimeOffset since, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task<EventRecord?> FindByKeyAsync(string workspaceId, string accountId, string key, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
