using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Reminders;
using OrleansBreaker.Campaigns;

namespace OrleansBreaker.Hosting;

/// <summary>Registers what the grains need, chosen by configuration: the clock, the event log and the upstream.</summary>
public static class BreakerServices
{
    /// <summary>The service key of the product's <see cref="TimeProvider"/>; grains take it with <c>[FromKeyedServices(ClockKey)]</c>.</summary>
    public const string ClockKey = "OrleansBreaker.Clock";

    public static IServiceCollection AddBreakerServices(this IServiceCollection services, IConfiguration configuration, BreakerOverrides? overrides = null)
    {
        services.AddOptions<DispatchOptions>().Bind(configuration.GetSection(DispatchOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        var clock = configuration.GetSection(ClockOptions.Section).Get<ClockOptions>() ?? new ClockOptions();
        TimeProvider timeProvider = overrides?.Clock ?? (clock.Start is { } start ? new SimulationTimeProvider(start) : TimeProvider.System);
        // The product's clock is keyed so that a simulated or fake clock never reaches Orleans' own
        // runtime timers. Reminders read theirs under Orleans' key: it must be the clock the grains read.
        services.AddKeyedSingleton(ClockKey, timeProvider);
        services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, (sp, _) => sp.GetRequiredKeyedService<TimeProvider>(ClockKey));

        services.AddSingleton<Safety.SafetyModeCache>();
        // Every silo keeps the cluster's one outcome feed reader running (it pings it; see OutcomeFeedKeeper).
        services.AddSingleton<Orleans.ILifecycleParticipant<Orleans.Runtime.ISiloLifecycle>, Outcomes.OutcomeFeedKeeper>();
        services.AddSingleton<SendThrottle>();
        services.AddSingleton<Campaigns.CampaignRunGate>();
        if (overrides?.LinkedIn is { } linkedIn)
        {
            services.AddSingleton<SimulatedLinkedIn>(linkedIn);
        }
        else
        {
            services.AddSingleton(sp => new SimulatedLinkedIn(sp.GetRequiredKeyedService<TimeProvider>(ClockKey)));
        }
        // An explicit choice, validated here: anything but a known name stops the start.
        var provider = UpstreamProviders.Read(configuration);
        if (overrides?.Upstream is { } upstream)
        {
            services.AddSingleton<ILinkedInUpstream>(upstream);
        }
        else if (provider == UpstreamProvider.Http)
        {
            // One LinkedIn stand-in (or provider) shared by every silo, over HTTP.
            services.AddHttpLinkedInUpstream(configuration);
        }
        else
        {
            services.AddSingleton<ILinkedInUpstream>(sp => sp.GetRequiredService<SimulatedLinkedIn>());
        }

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var postgres = storage.Provider == StorageProvider.Postgres && !string.IsNullOrWhiteSpace(storage.ConnectionString);
        if (postgres)
        {
            // The process's one data source and pool, sized by Storage:MaxPoolSize (PostgresConnection.AddBreakerDataSource).
            services.AddBreakerDataSource(storage);
        }
        if (overrides?.EventLog is { } eventLog)
        {
            services.AddSingleton<IEventLog>(eventLog);
        }
        else if (postgres)
        {
            services.AddSingleton<IEventLog>(sp => new PostgresEventLog(sp.GetRequiredService<NpgsqlDataSource>()));
        }
        else
        {
            services.AddSingleton<IEventLog, InMemoryEventLog>();
        }
        if (overrides?.Prospects is { } prospects)
        {
            services.AddSingleton<IProspectStore>(prospects);
        }
        else if (postgres)
        {
            services.AddSingleton<IProspectStore>(sp => new PostgresProspectStore(sp.GetRequiredService<NpgsqlDataSource>()));
        }
        else
        {
            services.AddSingleton<IProspectStore, InMemoryProspectStore>();
        }
        // Wakes campaigns whose work is due from the prospect store's due index (no reminder per campaign).
        services.AddHostedService<CampaignWakeService>();
        return services;
    }
}
