using Microsoft.Extensions.DependencyInjection;
using OrleansBreaker.Campaigns;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// The campaign's counters and its prospects live in two places (grain state, prospect store) and never
/// part ways: the changes of a run are stored with the counters first, and reach the prospect store now
/// or before anything else happens, so a delivery is counted once and never sent twice.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CampaignCommitOrderTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    [Fact]
    public async Task ChangesTheProspectStoreRefused_AreWrittenBeforeTheNextRun_WhichSendsNothingAgain()
    {
        await _s.CreateAccountAsync();
        var campaign = await _s.CreateCampaignAsync("refused", [ActionType.Invite], 3);
        var key = new CampaignKey(_s.Workspace, "refused");
        TestWorld.Prospects.FailUpdates(key, 1);

        Assert.Equal(3, await campaign.RunDueAsync());

        // Not in the store yet, but the campaign shows what happened and counted it.
        Assert.Equal(ProspectStatus.Due, (await TestWorld.Prospects.Inner.GetAsync(key, "p1"))!.Status);
        Assert.Equal(ProspectStatus.Done, (await campaign.GetProspectAsync("p1"))!.Status);
        Assert.Equal(3, (await campaign.GetViewAsync()).Counters.Sent);

        Assert.Equal(0, await campaign.RunDueAsync());
        Assert.Equal(ProspectStatus.Done, (await TestWorld.Prospects.Inner.GetAsync(key, "p1"))!.Status);
        Assert.Equal(3, (await campaign.GetViewAsync()).Counters.Sent);
        Assert.Equal(3, _s.LinkedIn.Calls[ActionType.Invite]);
    }

    [Fact]
    public async Task ChangesStoredWithTheCountersOnly_AreWrittenByTheNextActivation_AndCountedOnce()
    {
        await _s.CreateAccountAsync();
        var campaign = await _s.CreateCampaignAsync("crash", [ActionType.Invite, ActionType.Message], 4);
        var key = new CampaignKey(_s.Workspace, "crash");
        TestWorld.Prospects.FailUpdates(key, 1);
        Assert.Equal(4, await campaign.RunDueAsync());

        // The activation goes away (as with a silo that dies) before it could write the prospects.
        await fixture.Cluster.DeactivateAsync(campaign);

        var view = await campaign.GetViewAsync();
        Assert.Equal(4, view.Counters.Sent);
        Assert.Equal(4, view.Steps[1].Waiting + (await CountAsync(key, 1, ProspectStatus.Due)));
        var p1 = await TestWorld.Prospects.Inner.GetAsync(key, "p1");
        Assert.Equal((1, _s.AccountId), (p1!.StepIndex, p1.AccountId));
        await Scenario.DrainAsync(campaign);
        Assert.Equal(8, (await campaign.GetViewAsync()).Counters.Sent);
        Assert.Equal(4, _s.LinkedIn.Calls[ActionType.Invite]);
        Assert.Equal(4, _s.LinkedIn.Calls[ActionType.Message]);
        Assert.Equal(0, _s.LinkedIn.DuplicateKeys);
    }

    [Fact]
    public async Task TheCampaignStateStaysTheSameSize_WhateverTheNumberOfProspects()
    {
        await _s.CreateAccountAsync(new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.ViewProfile] = new(5000, 5000) } });
        var small = await _s.CreateCampaignAsync("small", [ActionType.ViewProfile], 10);
        var large = await _s.CreateCampaignAsync("large", [ActionType.ViewProfile], 2000, prefix: "q");
        await small.RunDueAsync();
        await large.RunDueAsync();

        // The prospects are rows of the store; the grain's view counts them without holding them.
        Assert.Equal(2000, (await large.GetViewAsync()).Prospects);
        Assert.Equal(2000, (await TestWorld.Prospects.Inner.CountAsync(new CampaignKey(_s.Workspace, "large"))).Sum(c => c.Count));
        var stored = await StoredStateSizeAsync("large");
        Assert.InRange(stored, 1, await StoredStateSizeAsync("small") + 64);
    }

    private async Task<int> CountAsync(CampaignKey key, int step, ProspectStatus status) =>
        (await TestWorld.Prospects.Inner.CountAsync(key)).Where(c => c.Step == step && c.Status == status).Sum(c => c.Count);

    /// <summary>The campaign's grain state as the memory grain storage holds it, serialized.</summary>
    private async Task<int> StoredStateSizeAsync(string campaignId)
    {
        var silo = (Orleans.TestingHost.InProcessSiloHandle)fixture.Cluster.Primary!;
        var storage = Microsoft.Extensions.DependencyInjection.ServiceProviderKeyedServiceExtensions
            .GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(silo.SiloHost.Services, OrleansBreaker.Hosting.StorageNames.GrainStore);
        var grainState = new Orleans.GrainState<CampaignState>();
        await storage.ReadStateAsync("campaign", Orleans.Runtime.GrainId.Create("campaign", GrainKeys.Scoped(_s.Workspace, campaignId)), grainState);
        var serializer = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Orleans.Serialization.Serializer>(silo.SiloHost.Services);
        return serializer.SerializeToArray(grainState.State).Length;
    }
}

/// <summary>Campaigns stored by builds before the prospect store keep every prospect, moved into the store on first use.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LegacyCampaignStateTests(ClusterFixture fixture)
{
    private readonly Scenario _s = new(fixture.Grains);

    [Fact]
    public async Task ACampaignWhoseStateHoldsItsProspects_MovesThemToTheStore_KeepingStepsReasonsAndCounters()
    {
        await _s.CreateAccountAsync();
        var now = TestWorld.Time.GetUtcNow();
        var legacy = new CampaignState
        {
            Exists = true, AccountId = _s.AccountId, Active = true,
            Steps = [new StepDefinition(ActionType.Invite), new StepDefinition(ActionType.Message)],
            Counters = new CampaignCounters(Sent: 1, Accepted: 0, Replied: 0, Skipped: 1, Failed: 0),
            Prospects = new(StringComparer.Ordinal)
            {
                ["old1"] = new ProspectRecord { Id = "old1", StepIndex = 1, Status = ProspectStatus.Due, WakeAt = now },
                ["old2"] = new ProspectRecord { Id = "old2", StepIndex = 0, Status = ProspectStatus.Waiting, Reason = Reason.CapReached, ResumeAt = now.AddHours(3), WakeAt = now.AddHours(3) },
            },
        };
        var silo = (Orleans.TestingHost.InProcessSiloHandle)fixture.Cluster.Primary!;
        var storage = silo.SiloHost.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(OrleansBreaker.Hosting.StorageNames.GrainStore);
        await storage.WriteStateAsync("campaign", Orleans.Runtime.GrainId.Create("campaign", GrainKeys.Scoped(_s.Workspace, "legacy")), new Orleans.GrainState<CampaignState>(legacy));

        var campaign = _s.Campaign("legacy");
        var view = await campaign.GetViewAsync();

        Assert.Equal(2, view.Prospects);
        Assert.Equal(1, view.Steps[0].Waiting);
        Assert.Equal(legacy.Counters, view.Counters);
        Assert.Equal((ProspectStatus.Waiting, Reason.CapReached), ((await campaign.GetProspectAsync("old2"))!.Status, (await campaign.GetProspectAsync("old2"))!.Reason));
        Assert.NotNull(await TestWorld.Prospects.Inner.GetAsync(new CampaignKey(_s.Workspace, "legacy"), "old1"));
        Assert.Equal(1, await campaign.RunDueAsync()); // old1's message
        Assert.Equal(1, _s.LinkedIn.Calls[ActionType.Message]);
    }
}
