using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>One upstream call as the gate saw it: which silo made it, and whether it went through to LinkedIn.</summary>
public sealed record GatedCall(long Id, SiloAddress Silo, UpstreamRequest Request)
{
    public volatile bool Finished;
}

/// <summary>
/// Sits between the account grains of every silo and <see cref="DurableSiloConfigurator.LinkedIn"/>: records
/// which silo made each call, can hold an account's calls until the test releases them (a send "in flight"
/// for as long as the test needs), and can slow every call down so that a silo kill lands mid-send.
/// Static because TestingHost builds silos from configurator types.
/// </summary>
public static class UpstreamGate
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> Held = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<GatedCall> All = new();
    private static long _ids;

    /// <summary>Every call slows down by this much before it reaches LinkedIn (zero: no delay).</summary>
    public static TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public static IReadOnlyList<GatedCall> Calls(string accountId) => [.. All.Where(c => c.Request.AccountId == accountId)];

    public static IReadOnlyList<GatedCall> InFlight(SiloAddress silo) => [.. All.Where(c => c.Silo.Equals(silo) && !c.Finished)];

    /// <summary>From now on, calls for <paramref name="accountId"/> wait until <see cref="Release"/>.</summary>
    public static void Hold(string accountId) => Held[accountId] = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held calls go on: to LinkedIn if <paramref name="forward"/>, else they fail as if the process had died with them.</summary>
    public static void Release(string accountId, bool forward)
    {
        if (Held.TryRemove(accountId, out var gate))
        {
            gate.TrySetResult(forward);
        }
    }

    internal static async Task<UpstreamAnswer> SendAsync(ILinkedInUpstream inner, SiloAddress silo, UpstreamRequest request, CancellationToken cancellationToken)
    {
        var call = new GatedCall(Interlocked.Increment(ref _ids), silo, request);
        All.Enqueue(call);
        try
        {
            if (Held.TryGetValue(request.AccountId, out var gate) && !await gate.Task)
            {
                throw new IOException("the silo died with this call (test gate)");
            }
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, CancellationToken.None);
            }
            return await inner.SendAsync(request, cancellationToken);
        }
        finally
        {
            call.Finished = true;
        }
    }
}

internal sealed class GatedUpstream(ILinkedInUpstream inner, SiloAddress silo) : ILinkedInUpstream
{
    public Task<UpstreamAnswer> SendAsync(UpstreamRequest request, CancellationToken cancellationToken) =>
        UpstreamGate.SendAsync(inner, silo, request, cancellationToken);

    public Task<ProviderFeedPage> ReadFeedAsync(long since, int limit, CancellationToken cancellationToken) =>
        inner.ReadFeedAsync(since, limit, cancellationToken);
}

/// <summary>The durable silo of <see cref="DurableSiloConfigurator"/>, its upstream behind <see cref="UpstreamGate"/>.</summary>
public sealed class GatedSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        DurableSiloConfigurator.Build(siloBuilder, DurableSiloConfigurator.World with
        {
            Upstream = sp => new GatedUpstream(DurableSiloConfigurator.LinkedIn, sp.GetRequiredService<ILocalSiloDetails>().SiloAddress),
        });
    }
}

/// <summary>Like <see cref="DurableCluster.StartAsync"/>, with the gated upstream.</summary>
public static class GatedCluster
{
    public static async Task<TestCluster> StartAsync(string connectionString, short silos, string serviceId, string? clusterId = null, bool tcp = false,
        IReadOnlyDictionary<string, string>? dispatch = null)
    {
        var builder = new TestClusterBuilder(silos);
        if (tcp)
        {
            // TestingHost's default transport is in-memory; a dashboard joins like any client, over TCP.
            builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        }
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ServiceId = serviceId;
        builder.Options.ClusterId = clusterId ?? "c-" + Guid.NewGuid().ToString("N")[..8];
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DurableSiloConfigurator.ConnectionStringKey] = connectionString,
        }.Concat((dispatch ?? new Dictionary<string, string>()).Select(kv =>
            KeyValuePair.Create($"{DurableSiloConfigurator.DispatchOverrides}:{kv.Key}", (string?)kv.Value)))));
        builder.AddSiloBuilderConfigurator<GatedSiloConfigurator>();
        builder.AddClientBuilderConfigurator<DurableClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Waits for <paramref name="condition"/> with a generous budget (a loaded CI machine).</summary>
    public static async Task WaitForAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// What a call may throw while a silo dies under it. Anything else (an argument refused, a bug) is
    /// not swallowed by the tests' retry loops.
    /// </summary>
    public static bool IsSiloFailure(Exception ex) => ex switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.All(IsSiloFailure),
        OrleansException or TimeoutException or OperationCanceledException or IOException => true,
        _ => ex.GetType().Namespace?.StartsWith("Orleans", StringComparison.Ordinal) == true,
    };
}
