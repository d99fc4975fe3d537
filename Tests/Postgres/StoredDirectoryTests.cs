using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansBreaker.Hosting;
using OrleansBreaker.Tests.Client;

namespace OrleansBreaker.Tests.Postgres;

/// <summary>
/// A workspace directory in PostgreSQL's grain store as builds before the per-campaign accounts wrote it
/// still loads, whole, and takes the new field from its next write on.
/// </summary>
public sealed class StoredDirectoryTests(SingleSiloPostgresCluster fixture) : IClassFixture<SingleSiloPostgresCluster>
{
    [Fact]
    public async Task AnOldShapeDirectoryRow_LoadsWithItsCampaignsUnknown_AndKeepsWhatItLearnsAfterReactivation()
    {
        var ws = $"ws-{Guid.NewGuid():N}"[..16];
        var hash = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var directory = fixture.Cluster.GrainFactory.GetGrain<IWorkspaceGrain>(ws);
        var storage = fixture.SiloServices().GetRequiredKeyedService<IGrainStorage>(StorageNames.GrainStore);
        await storage.WriteStateAsync("workspace", directory.GetGrainId(), new GrainState<OldWorkspaceState>(new OldWorkspaceState
        {
            Accounts = new(["acct-1"], StringComparer.Ordinal),
            Campaigns = new(["c1", "c2"], StringComparer.Ordinal),
            ApiKeyHash = hash,
        }));

        var loaded = await directory.GetDirectoryAsync();
        Assert.Equal(["acct-1"], loaded.Accounts);
        Assert.Equal(["c1", "c2"], loaded.Campaigns);
        Assert.True(loaded.Created);
        Assert.True(await directory.VerifyApiKeyAsync(hash));
        var of = await directory.GetCampaignsOfAsync("acct-1");
        Assert.Empty(of.Campaigns);
        Assert.Equal(["c1", "c2"], of.Unknown);

        await directory.SetCampaignAccountsAsync("c1", ["acct-1"]);
        await fixture.Cluster.DeactivateAsync(directory);

        of = await directory.GetCampaignsOfAsync("acct-1");
        Assert.Equal(["c1"], of.Campaigns);
        Assert.Equal(["c2"], of.Unknown);
        Assert.True(await directory.VerifyApiKeyAsync(hash));
    }
}
