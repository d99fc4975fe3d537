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
