using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansBreaker.Campaigns;
using OrleansBreaker.EventLog;
using OrleansBreaker.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Unit;

/// <summary>A silo's parts are the product's unless given: each override is the one registration of its part, never a second one on top.</summary>
public sealed class BreakerOverridesTests
{
    private static IConfiguration Settings(string provider) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Upstream:Provider"] = provider, ["Upstream:BaseUrl"] = "http://127.0.0.1:5090" }).Build();

    [Fact]
    public void EachOverride_IsTheOnlyRegistrationOfItsPart()
    {
        var clock = new FakeTimeProvider();
        var linkedIn = new SimulatedLinkedIn(clock);
        var log = new InMemoryEventLog();
        var prospects = new InMemoryProspectStore();
        var services = new ServiceCollection().AddLogging();

        services.AddBreakerServices(Settings("Http"), new BreakerOverrides { Clock = clock, LinkedIn = linkedIn, Upstream = _ => linkedIn, EventLog = log, Prospects = prospects });

        Assert.Single(services, d => d.ServiceType == typeof(IEventLog));
        Assert.Single(services, d => d.ServiceType == typeof(IProspectStore));
        Assert.Single(services, d => d.ServiceType == typeof(ILinkedInUpstream));
        Assert.Single(services, d => d.ServiceType == typeof(SimulatedLinkedIn));
        using var provided = services.BuildServiceProvider();
        Assert.Same(clock, provided.GetRequiredKeyedService<TimeProvider>(BreakerServices.ClockKey));
        Assert.Same(linkedIn, provided.GetRequiredService<ILinkedInUpstream>());
        Assert.Same(log, provided.GetRequiredService<IEventLog>());
        Assert.Same(prospects, provided.GetRequiredService<IProspectStore>());
    }

    [Fact]
    public void WithoutOverrides_TheProductChoosesByConfiguration()
    {
        var services = new ServiceCollection().AddLogging();

        services.AddBreakerServices(Settings("Simulated"));

        using var provided = services.BuildServiceProvider();
        Assert.Same(TimeProvider.System, provided.GetRequiredKeyedService<TimeProvider>(BreakerServices.ClockKey));
        Assert.IsType<SimulatedLinkedIn>(provided.GetRequiredService<ILinkedInUpstream>());
        Assert.IsType<InMemoryEventLog>(provided.GetRequiredService<IEventLog>());
    }
}
