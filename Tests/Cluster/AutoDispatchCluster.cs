using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// The embedded silo as it runs for users: campaigns dispatch on their own timers and the cluster's reader follows the
/// provider's outcome feed, both fast. A short response timeout turns two grains waiting on each other
/// into failures a test can see in seconds instead of thirty.
/// </summary>
public sealed class AutoDispatchSiloConfigurator : ISiloConfigurator
{
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    public void Configure(ISiloBuilder siloBuilder)
    {
        EmbeddedSiloConfigurator.Build(siloBuilder, EmbeddedSiloConfigurator.World, new Dictionary<string, string?>
        {
            ["Dispatch:AutoDispatch"] = "true",
            ["Dispatch:CampaignTick"] = "00:00:00.050",
            ["Dispatch:WakePollInterval"] = "00:00:00.100",
            ["Dispatch:OutcomeFeedInterval"] = "00:00:00.050",
        });
        siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
    }
}

/// <summary>One single-silo cluster with automatic dispatch, for the "AutoDispatch" collection.</summary>
public sealed class AutoDispatchFixture : SingleSiloFixture<AutoDispatchSiloConfigurator>;

[CollectionDefinition(Name)]
public sealed class AutoDispatchCollection : ICollectionFixture<AutoDispatchFixture>
{
    public const string Name = "AutoDispatch";
}
