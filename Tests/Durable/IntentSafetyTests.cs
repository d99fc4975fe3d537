using Npgsql;
using Orleans.Runtime;
using Orleans.TestingHost;
using OrleansBreaker.Campaigns;
using OrleansBreaker.Client.Auth;
using OrleansBreaker.Tests.Client;
using OrleansBreaker.EventLog;
using OrleansBreaker.Tests.Postgres;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// The intent written before every send (BRIEF §8, "persist the intent, then call the upstream"): the claim of
/// its key in the event log, unique in the database. Tested where it matters: two activations of one account,
/// a silo that dies while LinkedIn is being called, and what a plain send writes.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class IntentSafetyTests : IAsyncLifetime
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _accountId = "i-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<TestCluster> _clusters = [];
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _connectionString = await server.CreateDatabaseAsync("intents");
        DurableSiloConfigurator.LinkedIn.Configure(_accountId, new SimulatedAccountSettings());
    }

    public async Task DisposeAsync()
    {
        UpstreamGate.Release(_accountId, forward: false);
        foreach (var cluster in _clusters)
        {
            await DurableCluster.StopAsync(cluster);
        }
    }

    private async Task<TestCluster> StartAsync(short silos, string serviceId, bool tcp = false)
    {
        var cluster = await GatedCluster.StartAsync(_connectionString, silos, serviceId, tcp: tcp);
        _clusters.Add(cluster);
        return cluster;
    }

    private IAccountGrain Account(TestCluster cluster) => cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, _accountId));

    private static readonly DispatchCommand Message = new() { CampaignId = "direct", ProspectId = "lead-1", Step = 0, Action = ActionType.Message };

    [Fact]
    public async Task TwoActivationsOfOneAccount_TheStaleOneRefusesBeforeSending_ExactlyOneSendReachesLinkedIn()
    {
        // Two clusters of one service on one database: the grain directory is split, so each has its
        // own activation of the account, both reading the same storage row.
        var serviceId = "svc-" + Guid.NewGuid().ToString("N")[..8];
        var a = await StartAsync(1, serviceId);
        var b = await StartAsync(1, serviceId);
        await Account(a).ConfigureAsync(new AccountSettings());
        Assert.True((await Account(b).GetViewAsync()).Exists); // b's activation has read the row: its ETag is now the only one it knows

        // a persists its intent (the row moves on) and is held inside the call to LinkedIn.
        UpstreamGate.Hold(_accountId);
        var first = Account(a).DispatchAsync(Message);
        await GatedCluster.WaitForAsync(() => UpstreamGate.Calls(_accountId).Count == 1, "a's send to reach the upstream");

        // b gets the same dispatch meanwhile: a's claim of the key is in the log, so b's claim finds it held.
        var stale = await Account(b).DispatchAsync(Message);
        Assert.Equal((DispatchStatus.Blocked, Reason.StorageUnavailable), (stale.Status, stale.Reason));
        Assert.Single(UpstreamGate.Calls(_accountId)); // refused before LinkedIn

        UpstreamGate.Release(_accountId, forward: true);
        var sent = await first;
        Assert.Equal(DispatchStatus.Sent, sent.Status);

        // b, asked again, finds the key held by a's outcome and answers it; it never re-sends.
        var again = await DurableCluster.RetryAsync(() => Account(b).DispatchAsync(Message));
        Assert.Equal(DispatchStatus.Sent, again.Status);
        Assert.True(again.Replayed);
        var calls = UpstreamGate.Calls(_accountId);
        Assert.Single(calls);
        Assert.Equal(a.Silos[0].SiloAddress, calls[0].Silo);
        var linkedIn = DurableSiloConfigurator.LinkedIn.View(_accountId);
        Assert.Equal((1, 1, 0), (linkedIn.Calls[ActionType.Message], linkedIn.Delivered[ActionType.Message], linkedIn.DuplicateKeys));
    }

    [Fact]
    public async Task PlainSends_WriteNoGrainState_EachKeyIsOneClaimThatItsOutcomeResolves()
    {
        var cluster = await StartAsync(1, "svc-" + Guid.NewGuid().ToString("N")[..8]);
        DurableSiloConfigurator.LinkedIn.Configure(_accountId, new SimulatedAccountSettings { UnreachableRecipients = ["gone"] });
        await Account(cluster).ConfigureAsync(new AccountSettings());
        var before = await StateVersionAsync();

        var results = new List<DispatchResult>();
        foreach (var prospect in new[] { "lead-1", "lead-2", "lead-3", "gone" })
        {
            results.Add(await Account(cluster).DispatchAsync(Message with { ProspectId = prospect }));
        }

        Assert.Equal([DispatchStatus.Sent, DispatchStatus.Sent, DispatchStatus.Sent, DispatchStatus.Failed], results.Select(r => r.Status));
        Assert.Equal(before, await StateVersionAsync());
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        var log = new PostgresEventLog(dataSource);
        Assert.Empty(await log.ReadClaimsAsync(_ws, _accountId));
        var outcomes = await Task.WhenAll(new[] { "lead-1", "lead-2", "lead-3", "gone" }.Select(p => log.FindByKeyAsync(_ws, _accountId, (Message with { ProspectId = p }).Key)));
        Assert.Equal([EventKind.Sent, EventKind.Sent, EventKind.Sent, EventKind.Failed], outcomes.Select(e => e!.Kind));

        // A trip is the account changing: written at once.
        DurableSiloConfigurator.LinkedIn.Configure(_accountId, new SimulatedAccountSettings { InMailCredits = 0 });
        var tripped = await Account(cluster).DispatchAsync(Message with { ProspectId = "lead-4", Action = ActionType.InMail });
        Assert.Equal(DispatchStatus.Skipped, tripped.Status);
        Assert.True(await StateVersionAsync() > before);
        Assert.Empty(await log.ReadClaimsAsync(_ws, _accountId)); // LinkedIn did not send it: the key was given back
    }

    /// <summary>The version of the account's grain-state row: it moves with every write.</summary>
    private async Task<int> StateVersionAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT version FROM orleansstorage WHERE grainidextensionstring = @key AND graintypestring ILIKE '%account%'");
        command.Parameters.AddWithValue("key", GrainKeys.Scoped(_ws, _accountId));
        return (int)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("No grain-state row for the account."));
    }

    [Fact]
    public async Task SiloDiesWhileLinkedInIsCalled_TheIntentIsUnknown_NeverReSent_AndShownOnAccountAndProspect()
    {
        var cluster = await StartAsync(2, "svc-" + Guid.NewGuid().ToString("N")[..8], tcp: true);
        var (key, hash) = ApiKeys.NewWorkspaceKey(_ws);
        Assert.True(await cluster.GrainFactory.GetGrain<IWorkspaceGrain>(_ws).CreateAsync(hash));
        await Account(cluster).ConfigureAsync(new AccountSettings());
        var campaign = cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "msgs"));
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = _accountId, Steps = [new StepDefinition(ActionType.Message)] });
        await campaign.AddProspectsAsync([new ProspectInput("lead-1", null)]);

        UpstreamGate.Hold(_accountId);
        var run = campaign.RunDueAsync();
        await GatedCluster.WaitForAsync(() => UpstreamGate.Calls(_accountId).Count == 1, "the send to reach the upstream");
        var call = UpstreamGate.Calls(_accountId)[0];
        var host = await cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetActivationAddress(Account(cluster));
        Assert.Equal(call.Silo, host);

        // The crash: the intent is persisted, the call has left, no answer will ever come back to this silo.
        await cluster.KillSiloAsync(cluster.GetSiloForAddress(call.Silo)!);
        var crashed = await Record.ExceptionAsync(() => run);
        Assert.True(crashed is null || GatedCluster.IsSiloFailure(crashed), $"unexpected {crashed}");

        // On the survivor: the account's reactivation finds the pending intent with no outcome in the log.
        var view = await DurableCluster.RetryAsync(() => Account(cluster).GetViewAsync(), attempts: 120);
        Assert.Equal(1, view.UnknownIntents);
        Assert.NotEqual(call.Silo, await cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetActivationAddress(Account(cluster)));
        await using (var dataSource = NpgsqlDataSource.Create(_connectionString))
        {
            var logged = await new PostgresEventLog(dataSource).FindByKeyAsync(_ws, _accountId, call.Request.IdempotencyKey[(_ws.Length + 1)..]); // the provider key carries the workspace
            Assert.Equal((EventKind.Unknown, Reason.OutcomeUnknown), (logged?.Kind, logged?.Reason));
        }

        // The campaign re-dispatches the prospect (its first attempt died with the silo) and is told "unknown".
        ProspectView? prospect = null;
        Assert.True(await DurableCluster.EventuallyAsync(async () =>
        {
            // Its failed call left the prospect waiting the storage re-check (fake time).
            await DurableCluster.AdvanceAsync(ProspectMachine.StorageRecheck, ProspectMachine.StorageRecheck);
            await DurableCluster.RetryAsync(campaign.RunDueAsync);
            prospect = await campaign.GetProspectAsync("lead-1");
            return prospect!.Status == ProspectStatus.Unknown;
        }, TimeSpan.FromSeconds(60)), $"lead-1 is {prospect}");
        Assert.Equal(Reason.OutcomeUnknown, prospect!.Reason);

        // Hours later, however often the campaign runs: never re-sent.
        await DurableCluster.AdvanceAsync(TimeSpan.FromHours(2), TimeSpan.FromMinutes(20));
        for (var i = 0; i < 3; i++)
        {
            await DurableCluster.RetryAsync(campaign.RunDueAsync);
        }
        Assert.Equal(ProspectStatus.Unknown, (await campaign.GetProspectAsync("lead-1"))!.Status);
        Assert.Single(UpstreamGate.Calls(_accountId));
        Assert.False(DurableSiloConfigurator.LinkedIn.View(_accountId).Calls.ContainsKey(ActionType.Message)); // the held call never got through
        Assert.Equal(1, (await Account(cluster).GetViewAsync()).UnknownIntents);

        // What the user sees through the API, from a dashboard joined to the survivor.
        await using var dashboard = await DashboardHost.StartAsync(cluster, DurableSiloConfigurator.Time);
        var api = dashboard.Client(key);
        var account = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{_ws}/accounts/{_accountId}"), 200);
        Assert.Equal(1, account.GetProperty("unknownIntents").GetInt32());
        var shown = await InMailScenario.ExpectAsync(api.GetAsync($"/api/workspaces/{_ws}/campaigns/msgs/prospects/lead-1"), 200);
        Assert.Equal(("Unknown", "OutcomeUnknown"), (shown.GetProperty("status").GetString(), shown.GetProperty("reason").GetString()));
    }
}
