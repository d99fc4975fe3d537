// PLACEHOLDER written by the lead so the build compiles; helper-1 owns this file and replaces it entirely.
namespace OrleansBreaker.Silo.Hosting;

public static class PostgresHosting
{
    public static ISiloBuilder UseBreakerPostgres(this ISiloBuilder silo, string connectionString) => throw new NotImplementedException();
}
