using System.ComponentModel.DataAnnotations;

namespace OrleansBreaker.Hosting;

public enum StorageProvider
{
    /// <summary>The embedded default: in-memory grain storage, reminders and event log; localhost clustering.</summary>
    Memory,
    /// <summary>PostgreSQL through the Orleans ADO.NET providers, and the event log in PostgreSQL.</summary>
    Postgres,
}

/// <summary>Where state, reminders, membership and the event log live (configuration section <c>Storage</c>).</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    /// <summary><c>Memory</c> (default) or <c>Postgres</c>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Memory;

    /// <summary>Npgsql connection string; required when <see cref="Provider"/> is <c>Postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The most connections this process holds on PostgreSQL, all of them: the process has one pool (one
    /// <c>NpgsqlDataSource</c>) shared by the Orleans providers and the event log. Null: the connection
    /// string's <c>Maximum Pool Size</c> when it names one, else <see cref="PoolBudget.DefaultPerProcess"/>.
    /// Size it so that every process's budget together stays below the server's <c>max_connections</c>
    /// (<see cref="PoolBudget"/>, docs/operations.md).
    /// </summary>
    [Range(1, 10_000)]
    public int? MaxPoolSize { get; set; }

    /// <summary>
    /// How many processes share the server with this budget (silos and the dashboard). Only read for the
    /// start-up warning when their budgets together would exceed <c>max_connections</c>.
    /// </summary>
    [Range(1, 1_000)]
    public int ExpectedProcesses { get; set; } = 1;

    /// <summary>This process's pool size: <see cref="MaxPoolSize"/>, else the connection string's, else the default.</summary>
    public int PoolSize() => PoolBudget.Resolve(MaxPoolSize, ConnectionString);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != StorageProvider.Postgres)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                "Storage:Provider is Postgres but Storage:ConnectionString is empty. Set it, e.g. Storage__ConnectionString=\"Host=127.0.0.1;Port=55432;Database=orleansbreaker;Username=postgres\".",
                [nameof(ConnectionString)]);
            yield break;
        }
        string? problem = null;
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            problem = $"Storage:ConnectionString is not a valid Npgsql connection string: {ex.Message}";
        }
        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(ConnectionString)]);
            yield break;
        }
        if (PoolBudget.Disagreement(MaxPoolSize, ConnectionString) is { } disagreement)
        {
            yield return new ValidationResult(disagreement, [nameof(MaxPoolSize)]);
        }
    }
}

/// <summary>Simulation clock (configuration section <c>Clock</c>, BRIEF §9).</summary>
public sealed class ClockOptions
{
    public const string Section = "Clock";

    /// <summary>Start the clock at this instant and let it run at real speed. Null: the real clock.</summary>
    public DateTimeOffset? Start { get; set; }
}
