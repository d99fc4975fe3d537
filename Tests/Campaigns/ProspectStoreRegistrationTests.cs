using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansBreaker.Campaigns;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Tests.Campaigns;

/// <summary>Which prospect store a silo gets: the one its Storage:Provider names, on the process's one data source.</summary>
public sealed class ProspectStoreRegistrationTests
{
    [Fact]
    public void OnPostgres_ProspectsGoToPostgreSQL_OverTheDataSourceTheEventLogUses()
    {
        using var provided = Provide(new() { ["Storage:Provider"] = "Postgres", ["Storage:ConnectionString"] = "Host=127.0.0.1;Port=5;Database=breaker;Username=postgres" });

        var store = Assert.IsType<PostgresProspectStore>(provided.GetRequiredService<IProspectStore>());

        Assert.Same(provided.GetRequiredService<NpgsqlDataSource>(), store.DataSource);
        Assert.IsType<PostgresEventLog>(provided.GetRequiredService<IEventLog>());
    }

    [Fact]
    public void InMemory_ProspectsStayInMemory()
    {
        using var provided = Provide([]);

        Assert.IsType<InMemoryProspectStore>(provided.GetRequiredService<IProspectStore>());
    }

    private static ServiceProvider Provide(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        settings["Upstream:Provider"] = "Simulated";
        services.AddBreakerServices(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services.BuildServiceProvider();
    }
}
