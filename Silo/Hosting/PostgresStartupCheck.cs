using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Silo.Hosting;

/// <summary>Refuses to start a silo on a database that is unreachable or lacks the expected schema version.</summary>
internal sealed class PostgresStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        PostgresSchema.EnsureCurrentAsync(services.GetRequiredService<NpgsqlDataSource>(), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
