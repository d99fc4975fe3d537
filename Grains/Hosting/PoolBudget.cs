using System.Data.Common;
using Npgsql;

namespace OrleansBreaker.Hosting;

/// <summary>Whether the processes' pools fit the server (<see cref="PoolBudget.Check"/>).</summary>
public enum PoolFit
{
    /// <summary>Every process can fill its pool at once and the server still has a slot.</summary>
    Fits,
    /// <summary>Full pools together would exceed the server's slots: under load some opens get 53300.</summary>
    Overcommitted,
}

/// <summary>
/// Npgsql's rule for sharing one PostgreSQL: the sum of every pool's maximum stays below the connections
/// the server admits. Each process of ours (a silo, the dashboard) opens exactly one pool, so with P
/// processes of budget B: <c>P × B ≤ max_connections − superuser_reserved_connections − reserved_connections</c>.
/// A pool at its maximum makes callers wait (Npgsql's <c>Timeout</c>) for a connection to come back; a
/// server at its maximum refuses the open outright (<c>53300 sorry, too many clients already</c>).
/// </summary>
public static class PoolBudget
{
    /// <summary>
    /// The default per process: three silos and the dashboard (4 × 20 = 80) fit PostgreSQL's default
    /// <c>max_connections</c> of 100 with room for an operator's psql; far more than the two cores of a
    /// small node keep busy (finding D in docs/benchmarks.md ran on one silo's pool).
    /// </summary>
    public const int DefaultPerProcess = 20;

    /// <summary>The connections the server admits for our (non-superuser-reserved) sessions.</summary>
    public static int Usable(int maxConnections, int superuserReserved, int reserved = 0) =>
        Math.Max(0, maxConnections - superuserReserved - reserved);

    /// <summary>The budget of each of <paramref name="processes"/> equal processes, leaving <paramref name="headroom"/> slots for operators.</summary>
    public static int PerProcess(int usable, int processes, int headroom = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(processes, 1);
        return Math.Max(0, (usable - headroom) / processes);
    }

    public static PoolFit Check(int budget, int processes, int usable) =>
        (long)budget * processes <= usable ? PoolFit.Fits : PoolFit.Overcommitted;

    /// <summary><paramref name="maxPoolSize"/> (Storage:MaxPoolSize), else the connection string's Maximum Pool Size, else <see cref="DefaultPerProcess"/>.</summary>
    public static int Resolve(int? maxPoolSize, string? connectionString) =>
        maxPoolSize ?? Written(connectionString) ?? DefaultPerProcess;

    /// <summary>A message when Storage:MaxPoolSize and the connection string name two different budgets.</summary>
    public static string? Disagreement(int? maxPoolSize, string? connectionString) =>
        maxPoolSize is { } option && Written(connectionString) is { } written && written != option
            ? $"Storage:MaxPoolSize is {option} but Storage:ConnectionString sets Maximum Pool Size={written}; the process has one pool and one budget: set one of them."
            : null;

    /// <summary>The Maximum Pool Size the connection string writes, under any of its spellings; null when it is silent.</summary>
    private static int? Written(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Any(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "maximumpoolsize" or "maxpoolsize");
        return written ? new NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize : null;
    }
}
