using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Silo.Hosting;

/// <summary>The embedded default: grain state and reminders in the silo's memory, lost on restart.</summary>
public static class MemoryHosting
{
    /// <summary>
    /// Keeps the grain store <see cref="StorageNames.GrainStore"/> and the reminders in memory. State is
    /// written with the Orleans serializer, as on PostgreSQL, so both stores copy state the same way
    /// (Orleans' default, JSON with type names, made every dispatch 1.8× slower: docs/benchmarks.md).
    /// </summary>
    public static ISiloBuilder UseBreakerMemoryStorage(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddMemoryGrainStorage(StorageNames.GrainStore, (OptionsBuilder<MemoryGrainStorageOptions> storage) =>
            storage.Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
        silo.UseInMemoryReminderService();
        return silo;
    }
}
