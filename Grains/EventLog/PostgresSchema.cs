// PLACEHOLDER written by the lead so the build compiles; helper-1 owns this file and replaces it entirely.
using Npgsql;

namespace OrleansBreaker.EventLog;

public static class PostgresSchema
{
    public const int ExpectedVersion = 1;
    public static Task EnsureCurrentAsync(NpgsqlDataSource ds, CancellationToken ct) => throw new NotImplementedException();
}
