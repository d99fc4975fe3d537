using Orleans.TestingHost;
using OrleansBreaker.EventLog;
using OrleansBreaker.Tests.Postgres;
using OrleansBreaker.Upstream;
using Npgsql;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// Campaigns drive their own dispatch (grain timers while work is due, the due index otherwise) on three silos on
/// PostgreSQL: caps and pacing per account stay exact, no key reaches LinkedIn twice, and dispatch
/// carries on after a silo dies.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class MultiSiloDispatchTests : IAsyncLifetime
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(5);
    private const int DailyInvites = 4;

    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private string _connectionString = "";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _connectionString = await server.CreateDatabaseAsync("multisilo");
        _cluster = await DurableCluster.StartAsync(_connectionString, 3, "svc-" + Guid.NewGuid().ToString("N")[..8], dispatch: new Dictionary<string, string>
        {
            ["AutoDispatch"] = "true",
            ["CampaignTick"] = "00:00:00.200",
            ["WakePollInterval"] = "00:00:01",
            ["MinInterval"] = MinInterval.ToString(),
            ["MaxJitter"] = "00:00:00",
        });
    }

    public Task DisposeAsync() => DurableCluster.StopAsync(_cluster);

    [Fact]
    public async Task ThreeSilos_CapsAndPacingExact_NoDuplicateKeys_AndDispatchSurvivesASiloDeath()
    {
        var accounts = Enumerable.Range(1, 6).Select(i => $"m{i}-" + Guid.NewGuid().ToString("N")[..6]).ToList();
        foreach (var accountId in accounts)
        {
            DurableSiloConfigurator.LinkedIn.Configure(accountId, new SimulatedAccountSettings());
            await _cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, accountId)).ConfigureAsync(new AccountSettings
            {
                Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(DailyInvites, 100) },
            });
            var campaign = _cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "c-" + accountId));
            await campaign.ConfigureAsync(new CampaignSettings { AccountId = accountId, Steps = [new StepDefinition(ActionType.Invite)] });
            await campaign.AddProspectsAsync([.. Enumerable.Range(1, 8).Select(i => new ProspectInput($"p{i}", null))]);
        }
        var start = DurableSiloConfigurator.Time.GetUtcNow();

        // Product time moves 1 s per tick of real time while the campaigns' timers dispatch by themselves.
        for (var second = 0; second < 12; second++)
        {
            await DurableCluster.AdvanceAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
        await _cluster.KillSiloAsync(_cluster.Silos[^1]);
        // Campaigns of the dead silo come back on their own once the membership declares it dead (the due index).
        await DurableCluster.AdvanceAsync(TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(2));

        Assert.True(await DurableCluster.EventuallyAsync(
            () => Task.FromResult(accounts.All(a => DurableSiloConfigurator.LinkedIn.View(a).Delivered.GetValueOrDefault(ActionType.Invite) == DailyInvites)),
            TimeSpan.FromSeconds(30)), Describe(accounts));
        await DurableCluster.AdvanceAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)); // nothing more may go out today

        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        var log = new PostgresEventLog(dataSource);
        foreach (var accountId in accounts)
        {
            var linkedIn = DurableSiloConfigurator.LinkedIn.View(accountId);
            Assert.Equal(0, linkedIn.DuplicateKeys);
            Assert.Equal(DailyInvites, linkedIn.Delivered[ActionType.Invite]); // the cap, exactly, across three silos
            var sent = (await log.ReadDeliveredSinceAsync(_ws, accountId, start)).Select(d => d.At).Order().ToList();
            Assert.Equal(DailyInvites, sent.Count);
            Assert.All(sent.Zip(sent.Skip(1)), pair => Assert.True(pair.Second - pair.First >= MinInterval,
                $"{accountId}: sends at {pair.First:O} and {pair.Second:O} are closer than {MinInterval}"));
        }
    }

    [Fact]
    public async Task APoolOf50AccountsSharedByThreeCampaigns_OnThreeSilos_SendsEachProspectOnce_FromOneSeat_WithEveryCapExact()
    {
        var pool = Enumerable.Range(1, 50).Select(i => $"s{i:D2}-" + Guid.NewGuid().ToString("N")[..6]).ToList();
        foreach (var accountId in pool)
        {
            DurableSiloConfigurator.LinkedIn.Configure(accountId, new SimulatedAccountSettings());
            await _cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, accountId)).ConfigureAsync(new AccountSettings
            {
                Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(DailyInvites, 100) },
            });
        }
        var campaigns = new[] { "pool-a", "pool-b", "pool-c" };
        foreach (var id in campaigns)
        {
            var campaign = _cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, id));
            await campaign.ConfigureAsync(new CampaignSettings { AccountIds = pool, Steps = [new StepDefinition(ActionType.Invite)] });
            await campaign.AddProspectsAsync([.. Enumerable.Range(1, 100).Select(i => new ProspectInput($"p{i:D3}", null))]);
        }
        var capacity = pool.Count * DailyInvites; // 200 of the 300 prospects can go today

        for (var second = 0; second < 40 && pool.Sum(Delivered) < capacity; second++)
        {
            await DurableCluster.AdvanceAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
        Assert.True(await DurableCluster.EventuallyAsync(() => Task.FromResult(pool.Sum(Delivered) == capacity), TimeSpan.FromSeconds(30)),
            $"{pool.Sum(Delivered)} of {capacity} delivered");
        // Every seat is full for today: the rest learn so from the seats and wait, typed; nothing more goes out.
        for (var second = 0; second < 60 && await AnyDueAsync(campaigns); second++)
        {
            await DurableCluster.AdvanceAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }

        Assert.All(pool, a => Assert.Equal((DailyInvites, 0), (Delivered(a), DurableSiloConfigurator.LinkedIn.View(a).DuplicateKeys)));
        var done = 0;
        foreach (var id in campaigns)
        {
            var campaign = _cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, id));
            var sent = (await campaign.ListProspectsAsync(new ProspectQuery { Status = ProspectStatus.Done, Limit = 500 })).Items;
            Assert.All(sent, p => Assert.Contains(p.AccountId, pool));
            done += sent.Count;
            Assert.Equal(sent.Count, (await campaign.GetViewAsync()).Counters.Sent);
            var waiting = (await campaign.ListProspectsAsync(new ProspectQuery { Status = ProspectStatus.Waiting, Limit = 500 })).Items;
            Assert.All(waiting, p => Assert.Equal((Reason.CapReached, (string?)null), (p.Reason, p.AccountId)));
            Assert.Equal(100, sent.Count + waiting.Count);
        }
        // Every delivery is one prospect's step, sent from one seat: no key went out from two accounts.
        Assert.Equal(capacity, done);
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        await using var twice = dataSource.CreateCommand("SELECT count(*) FROM (SELECT key FROM breaker_events WHERE workspace_id = $1 AND kind = 'Sent' GROUP BY key HAVING count(*) > 1) d");
        twice.Parameters.AddWithValue(_ws);
        Assert.Equal(0L, (long)(await twice.ExecuteScalarAsync())!);
    }

    private async Task<bool> AnyDueAsync(IEnumerable<string> campaigns)
    {
        foreach (var id in campaigns)
        {
            var page = await _cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, id)).ListProspectsAsync(new ProspectQuery { Status = ProspectStatus.Due, Limit = 1 });
            if (page.Items.Count > 0)
            {
                return true;
            }
        }
        return false;
    }

    private static int Delivered(string accountId) => DurableSiloConfigurator.LinkedIn.View(accountId).Delivered.GetValueOrDefault(ActionType.Invite);

    [Fact]
    public async Task SafetyModeTrip_StopsEveryAccountOfTheWorkspace_OnEverySilo_WithinASecond()
    {
        var grains = _cluster.GrainFactory;
        await grains.GetGrain<ISafetyModeGrain>(_ws).ConfigureAsync(new SafetySettings { Errors = 3, DistinctAccounts = 3 });
        var healthy = Enumerable.Range(1, 12).Select(i => $"h{i}-" + Guid.NewGuid().ToString("N")[..6]).ToList();
        foreach (var id in healthy)
        {
            DurableSiloConfigurator.LinkedIn.Configure(id, new SimulatedAccountSettings());
            await grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, id)).ConfigureAsync(new AccountSettings());
            // Activate each account (on whichever silo placement picks) and warm its silo's cached safety view.
            Assert.Equal(DispatchStatus.Sent, (await Dispatch(id, "warm")).Status);
        }
        var hosts = new HashSet<string>();
        foreach (var id in healthy)
        {
            hosts.Add((await grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetActivationAddress(grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, id))))!.ToString());
        }
        Assert.True(hosts.Count >= 2, "the accounts should be spread over several silos");

        for (var i = 0; i < 3; i++)
        {
            var sick = $"sick{i}-" + Guid.NewGuid().ToString("N")[..6];
            DurableSiloConfigurator.LinkedIn.Configure(sick, new SimulatedAccountSettings { Fault = SimulatedFault.ServerError });
            await grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, sick)).ConfigureAsync(new AccountSettings());
            await Dispatch(sick, "boom");
        }
        Assert.Equal(SafetyState.Open, (await grains.GetGrain<ISafetyModeGrain>(_ws).GetViewAsync()).State);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var results = await Task.WhenAll(healthy.Select(id => Dispatch(id, "after-trip")));

        Assert.All(results, r => Assert.Equal((DispatchStatus.Blocked, Reason.SafetyMode), (r.Status, r.Reason)));
        Assert.All(healthy, id => Assert.Equal(1, DurableSiloConfigurator.LinkedIn.View(id).Calls.Values.Sum()));
    }

    private Task<DispatchResult> Dispatch(string accountId, string prospect) =>
        _cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, accountId))
            .DispatchAsync(new DispatchCommand { CampaignId = "direct", ProspectId = prospect, Step = 0, Action = ActionType.ViewProfile });

    private static string Describe(IEnumerable<string> accounts) =>
        string.Join("; ", accounts.Select(a => $"{a}: {DurableSiloConfigurator.LinkedIn.View(a).Delivered.GetValueOrDefault(ActionType.Invite)} delivered"));
}
