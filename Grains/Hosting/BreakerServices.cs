using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Reminders;

namespace OrleansBreaker.Hosting;

/// <summary>Registers what the grains need, chosen by configuration: the clock, the event log and the upstream.</summary>
public static class BreakerServices
{
    public static IServiceCollection AddBreakerServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DispatchOptions>().Bind(configuration.GetSection(DispatchOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        var clock = configuration.GetSection(ClockOptions.Section).Get<ClockOptions>() ?? new ClockOptions();
        TimeProvider timeProvider = clock.Start is { } start ? new SimulationTimeProvider(start) : TimeProvider.System;
        services.AddSingleton(timeProvider);
        // Reminders read their clock under their own key; it must be the same clock the grains read.
        services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, (sp, _) => sp.GetRequiredService<TimeProvider>());

        services.AddSingleton<SimulatedLinkedIn>();
        services.AddSingleton<ILinkedInUpstream>(sp => sp.GetRequiredService<SimulatedLinkedIn>());

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider == StorageProvider.Postgres && !string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            services.AddSingleton(_ => NpgsqlDataSource.Create(storage.ConnectionString));
            services.AddSingleton<IEventLog>(sp => new PostgresEventLog(sp.GetRequiredService<NpgsqlDataSource>()));
        }
        else
        {
            services.AddSingleton<IEventLog, InMemoryEventLog>();
        }
        return services;
    }
}
