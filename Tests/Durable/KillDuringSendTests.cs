using System.Collections.Concurrent;
using Orleans.TestingHost;
using OrleansBreaker.Campaigns;
using OrleansBreaker.Tests.Postgres;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// Silos killed while campaigns dispatch, each kill landing while a send is in flight on the victim
/// (every upstream call is slowed down, and the test kills a silo only once it sees one of its calls
/// open): no key reaches LinkedIn twice, no trip is lost, every delivery is accounted for.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class KillDuringSendTests : IAsyncLifetime
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("killsend");
        _cluster = await GatedCluster.StartAsync(connectionString, 3, "svc-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public async Task DisposeAsync()
    {
        UpstreamGate.Delay = TimeSpan.Zero;
        await DurableCluster.StopAsync(_cluster);
    }

    private IAccountGrain Account(string id) => _cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, id));

    private async Task<ICampaignGrain> CampaignAsync(string id, string account, ActionType action, int prospects)
    {
        var campaign = _cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, id));
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = account, Steps = [new StepDefinition(action)] });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, prospects).Select(i => new ProspectInput($"{id}-p{i}", null))]);
        return campaign;
    }

    [Fact]
    public async Task KillingSilosRepeatedlyMidSend_NeverDeliversAKeyTwice_AndLosesNoTrip()
    {
        // Enough invites that sends are still going out when the second kill looks for one, however fast
        // the machine: with too few, everything is sent (or waiting its re-check) before the second kill.
        const int invites = 90; // under the simulator's weekly invitation limit (100)
        var accounts = Enumerable.Range(1, 6).Select(i => $"k{i}-" + Guid.NewGuid().ToString("N")[..6]).ToList();
        var campaigns = new List<(string Account, ICampaignGrain Campaign)>();
        foreach (var (accountId, i) in accounts.Select((a, i) => (a, i)))
        {
            DurableSiloConfigurator.LinkedIn.Configure(accountId, new SimulatedAccountSettings { InMailCredits = 1 });
            await Account(accountId).ConfigureAsync(new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(500, 500) } });
            campaigns.Add((accountId, await CampaignAsync($"inv{i}", accountId, ActionType.Invite, invites)));
            campaigns.Add((accountId, await CampaignAsync($"inm{i}", accountId, ActionType.InMail, 4)));
        }
        // Each send takes a while: a kill can land while it is on its way.
        UpstreamGate.Delay = TimeSpan.FromMilliseconds(60);

        using var stop = new CancellationTokenSource();
        var siloFailures = 0;
        var unexpected = new ConcurrentQueue<Exception>();
        var dispatch = Task.Run(async () =>
        {
            // One loop per campaign, not rounds over all of them: a call to a campaign of the killed silo
            // may wait out the response timeout (30 s), and must not stop the others from sending meanwhile.
            await Task.WhenAll(campaigns.Select(c => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        if (await c.Campaign.RunDueAsync() == 0)
                        {
                            await Task.Delay(5);
                        }
                    }
                    catch (Exception ex) when (GatedCluster.IsSiloFailure(ex))
                    {
                        Interlocked.Increment(ref siloFailures); // a silo is dying: the next call retries
                    }
                    catch (Exception ex)
                    {
                        unexpected.Enqueue(ex);
                    }
                }
            })));
        });
        var killsMidSend = new List<string>();
        var interrupted = new List<UpstreamRequest>();
        for (var kill = 0; kill < 2; kill++)
        {
            // Wait for a silo with a send in flight, then kill that silo at once.
            SiloHandle? victim = null;
            IReadOnlyList<GatedCall> inFlight = [];
            await GatedCluster.WaitForAsync(() =>
            {
                foreach (var silo in _cluster.GetActiveSilos())
                {
                    inFlight = UpstreamGate.InFlight(silo.SiloAddress);
                    if (inFlight.Count > 0)
                    {
                        victim = silo;
                        return true;
                    }
                }
                // Prospects whose account was on the killed silo wait the storage re-check (15 s of product
                // time): let product time move, so they come due again and keep sends going.
                DurableSiloConfigurator.Time.Advance(TimeSpan.FromMilliseconds(250));
                return false;
            }, "a send in flight on some silo", TimeSpan.FromSeconds(60));
            await _cluster.KillSiloAsync(victim!);
            interrupted.AddRange(inFlight.Select(c => c.Request));
            killsMidSend.Add($"{victim!.Name}: {inFlight.Count} send(s) in flight, e.g. {inFlight[0].Request.IdempotencyKey}");
            await _cluster.StartAdditionalSiloAsync();
            await Task.Delay(300);
        }
        await Task.Delay(500);
        stop.Cancel();
        await dispatch;
        UpstreamGate.Delay = TimeSpan.Zero;

        Assert.Empty(unexpected);
        Assert.Equal(2, killsMidSend.Count);
        Assert.All(killsMidSend, k => Assert.DoesNotContain(": 0 send(s)", k));

        // Let everything settle, then finish the work with the surviving cluster.
        for (var round = 0; round < invites / 10 + 10; round++)
        {
            // A prospect whose call died with a silo waits the storage re-check, in fake time.
            await DurableCluster.AdvanceAsync(ProspectMachine.StorageRecheck, ProspectMachine.StorageRecheck);
            foreach (var (_, campaign) in campaigns)
            {
                await DurableCluster.RetryAsync(campaign.RunDueAsync);
            }
        }

        foreach (var accountId in accounts)
        {
            var linkedIn = DurableSiloConfigurator.LinkedIn.View(accountId);
            Assert.Equal(0, linkedIn.DuplicateKeys);
            var view = await DurableCluster.RetryAsync(() => Account(accountId).GetViewAsync());
            Assert.Equal(BreakerState.Open, view.Breakers[ActionType.InMail].State); // the trip survived (or re-armed on the next refusal)
            Assert.Equal(1, linkedIn.Delivered[ActionType.InMail]);
        }
        foreach (var (accountId, campaign) in campaigns)
        {
            var view = await DurableCluster.RetryAsync(campaign.GetViewAsync);
            var prospects = new List<ProspectView>();
            for (var p = 1; p <= view.Prospects; p++)
            {
                prospects.Add((await campaign.GetProspectAsync($"{view.Id}-p{p}"))!);
            }
            var statuses = prospects.Select(p => p.Status).ToList();
            var delivered = DurableSiloConfigurator.LinkedIn.View(accountId).Delivered.GetValueOrDefault(view.Steps[0].Action);
            var done = statuses.Count(s => s == ProspectStatus.Done);
            var unknown = statuses.Count(s => s == ProspectStatus.Unknown);
            // Every Done was delivered once; an Unknown may or may not have been.
            Assert.True(delivered >= done && delivered <= done + unknown,
                $"{view.Id}: {delivered} delivered, {done} done, {unknown} unknown: {string.Join("; ", prospects)}; interrupted {string.Join(", ", interrupted.Select(r => r.IdempotencyKey))}");
            if (view.Steps[0].Action == ActionType.Invite)
            {
                Assert.True(invites == done + unknown, $"{view.Id}: {string.Join("; ", prospects.Where(p => p.Status is not (ProspectStatus.Done or ProspectStatus.Unknown)))}");
            }
        }
        // Every send a kill interrupted was attempted once and never again, and its prospect is Done
        // (the dying silo still recorded the delivery) or Unknown (shown, not guessed), never lost.
        foreach (var request in interrupted)
        {
            Assert.Single(UpstreamGate.Calls(request.AccountId), c => c.Request.IdempotencyKey == request.IdempotencyKey);
            var campaignId = GrainKeys.CampaignOfProviderKey(request.IdempotencyKey)!;
            var prospect = await DurableCluster.RetryAsync(() => _cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, campaignId)).GetProspectAsync(request.ProspectId));
            Assert.True(prospect!.Status is ProspectStatus.Done or ProspectStatus.Unknown || prospect.Reason is Reason.InMailCreditsExhausted,
                $"{request.IdempotencyKey} was interrupted by a kill and is now {prospect}");
        }
    }
}
