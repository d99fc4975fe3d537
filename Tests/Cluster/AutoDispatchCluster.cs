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
        new EmbeddedSiloConfigurator().Configure(siloBuilder);
        siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        siloBuilder.Services.PostConfigure<DispatchOptions>(o =>
        {
            o.AutoDispatch = true;
            o.CampaignTick = TimeSpan.FromMilliseconds(50);
            o.WakePollInterval = TimeSpan.FromMilliseconds(100);
            o.OutcomeFeedInterval = TimeSpan.FromMilliseconds(50);
        });
    }
}

/// <summary>One single-silo cluster with automatic dispatch, for the "AutoDispatch" collection.</summary>
public sealed class AutoDispatchFixture : SingleSiloFixture<AutoDispatchSiloConfigurator>;

[CollectionDefinition(Name)]
public sealed class AutoDispatchCollection : ICollectionFixture<AutoDispatchFixture>
{
    public const string Name = "AutoDispatch";
}
