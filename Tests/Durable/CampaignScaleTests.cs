using Orleans.TestingHost;
using OrleansBreaker.Tests.Postgres;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// Campaigns at the scale of BRIEF §10 on PostgreSQL (issue 11): a campaign of 100,000 prospects
/// dispatches in enrolment order, counts exactly and answers "why is my prospect stuck" a page at a
/// time; a campaign whose silo dies with work due carries on elsewhere by itself.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class CampaignScaleTests : IAsyncLifetime
{
    private const int Prospects = 100_000;
    private const int DailyViews = 150;
    private const int Batch = 1000;

    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("scale");
        _cluster = await DurableCluster.StartAsync(connectionString, 1, "svc-" + Guid.NewGuid().ToString("N")[..8],
            dispatch: new Dictionary<string, string> { ["BatchSize"] = Batch.ToString() });
    }

    public Task DisposeAsync() => DurableCluster.StopAsync(_cluster);

    [Fact]
    public async Task ACampaignOf100000Prospects_SendsInEnrolmentOrderUpToTheCap_CountsExactly_AndListsWhyTheRestWait()
    {
        var accountId = "big-" + Guid.NewGuid().ToString("N")[..6];
        DurableSiloConfigurator.LinkedIn.Configure(accountId, new SimulatedAccountSettings());
        await _cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, accountId)).ConfigureAsync(new AccountSettings
        {
            Limits = new Dictionary<ActionType, CapLimits> { [ActionType.ViewProfile] = new(DailyViews, 1000) },
        });
        var campaign = _cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "big"));
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = accountId, Steps = [new StepDefinition(ActionType.ViewProfile)] });
        for (var i = 0; i < Prospects; i += 1000)
        {
            var added = await campaign.AddProspectsAsync([.. Enumerable.Range(i + 1, 1000).Select(n => new ProspectInput($"p{n:D6}", null))]);
            Assert.Equal(1000, added.Added);
        }
        Assert.Equal(new AddProspectsResult(0, 2), await campaign.AddProspectsAsync([new ProspectInput("p000001", null), new ProspectInput("p100000", null)]));

        Assert.Equal(Batch, await campaign.RunDueAsync());

        var view = await campaign.GetViewAsync();
        Assert.Equal(Prospects, view.Prospects);
        Assert.Equal(DailyViews, view.Counters.Sent);
        Assert.Equal(Batch - DailyViews, view.Steps[0].Waiting);
        Assert.NotNull(view.Steps[0].ResumeAt); // the next local day
        Assert.Equal(DailyViews, DurableSiloConfigurator.LinkedIn.View(accountId).Delivered[ActionType.ViewProfile]);
        // Enrolled together: due in id order, so the first 150 went.
        Assert.Equal(ProspectStatus.Done, (await campaign.GetProspectAsync($"p{DailyViews:D6}"))!.Status);
        var next = await campaign.GetProspectAsync($"p{DailyViews + 1:D6}");
        Assert.Equal((ProspectStatus.Waiting, Reason.CapReached, view.Steps[0].ResumeAt), (next!.Status, next.Reason, next.ResumeAt));
        Assert.Equal(ProspectStatus.Due, (await campaign.GetProspectAsync($"p{Batch + 1:D6}"))!.Status);

        var waiting = new List<ProspectView>();
        string? cursor = null;
        do
        {
            var page = await campaign.ListProspectsAsync(new ProspectQuery { Status = ProspectStatus.Waiting, Reason = Reason.CapReached, Limit = 500, After = cursor });
            waiting.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Range(DailyViews + 1, Batch - DailyViews).Select(n => $"p{n:D6}"), waiting.Select(p => p.Id));
        var done = await campaign.ListProspectsAsync(new ProspectQuery { Status = ProspectStatus.Done, Limit = 500 });
        Assert.Equal(DailyViews, done.Items.Count);
        Assert.Null(done.Next);
    }
}

/// <summary>A campaign's silo dies while it has work due: the campaign carries on on another silo by itself, within a minute.</summary>
[Collection(DurableCollection.Name)]
public sealed class CampaignFailoverTests : IAsyncLifetime
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private TestCluster _cluster = null!;
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _connectionString = await server.CreateDatabaseAsync("failover");
        _cluster = await DurableCluster.StartPacedAsync(_connectionString, 3, campaignTick: "00:00:00.200");
    }

    public Task DisposeAsync() => DurableCluster.StopAsync(_cluster);

    [Fact]
    public async Task CampaignsOfAKilledSilo_ResumeOnTheOthersWithinAMinute_WithNoReminderAndNoDuplicateSend()
    {
        var grains = _cluster.GrainFactory;
        var campaigns = new Dictionary<string, ICampaignGrain>();
        for (var i = 0; i < 9; i++)
        {
            var accountId = $"f{i}-" + Guid.NewGuid().ToString("N")[..6];
            DurableSiloConfigurator.LinkedIn.Configure(accountId, new SimulatedAccountSettings());
            await grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, accountId)).ConfigureAsync(new AccountSettings());
            var campaign = grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "c-" + accountId));
            await campaign.ConfigureAsync(new CampaignSettings { AccountId = accountId, Steps = [new StepDefinition(ActionType.ViewProfile)] });
            await campaign.AddProspectsAsync([.. Enumerable.Range(1, 200).Select(n => new ProspectInput($"p{n}", null))]);
            campaigns[accountId] = campaign;
        }
        // Product time moves with real time, so the accounts' pacing lets one send through every 2 s.
        await using (DurableCluster.RealTime())
        {
            Assert.True(await DurableCluster.EventuallyAsync(async () => (await Task.WhenAll(campaigns.Values.Select(c => c.GetViewAsync()))).All(v => v.Counters.Sent >= 2),
                TimeSpan.FromSeconds(60)), "every campaign should dispatch by itself");
            // The victim is the secondary silo holding the most campaigns (placement is random: any one silo
            // may hold none of the nine).
            var management = grains.GetGrain<Orleans.Runtime.IManagementGrain>(0);
            var hosts = new Dictionary<string, string>();
            foreach (var (accountId, campaign) in campaigns)
            {
                hosts[accountId] = (await management.GetActivationAddress(campaign))?.ToString() ?? "";
            }
            var victim = _cluster.Silos.Skip(1).MaxBy(s => hosts.Values.Count(h => h == s.SiloAddress.ToString()))!;
            var onVictim = hosts.Where(h => h.Value == victim.SiloAddress.ToString()).Select(h => h.Key).ToList();
            Assert.NotEmpty(onVictim); // nine campaigns over three silos

            await _cluster.KillSiloAsync(victim);
            var sentAtKill = onVictim.ToDictionary(a => a, a => DurableSiloConfigurator.LinkedIn.View(a).Delivered.GetValueOrDefault(ActionType.ViewProfile));

            Assert.True(await DurableCluster.EventuallyAsync(
                () => Task.FromResult(onVictim.All(a => DurableSiloConfigurator.LinkedIn.View(a).Delivered.GetValueOrDefault(ActionType.ViewProfile) >= sentAtKill[a] + 3)),
                TimeSpan.FromSeconds(60)),
                "campaigns of the killed silo did not resume: " + string.Join(", ", onVictim.Select(a => $"{a} {sentAtKill[a]} -> {DurableSiloConfigurator.LinkedIn.View(a).Delivered.GetValueOrDefault(ActionType.ViewProfile)}")));
        }
        foreach (var accountId in campaigns.Keys)
        {
            Assert.Equal(0, DurableSiloConfigurator.LinkedIn.View(accountId).DuplicateKeys);
        }
        await using var db = new Npgsql.NpgsqlConnection(_connectionString);
        await db.OpenAsync();
        await using var reminders = new Npgsql.NpgsqlCommand("SELECT count(*) FROM OrleansRemindersTable WHERE GrainId ILIKE '%campaign%'", db);
        Assert.Equal(0L, (long)(await reminders.ExecuteScalarAsync())!);
    }
}
