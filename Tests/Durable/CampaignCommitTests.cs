using Orleans.TestingHost;
using OrleansBreaker.Testing;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Durable;

/// <summary>
/// The campaign's events and the state that produced them do not part ways: a state write that fails
/// keeps both, and both reach storage and the log once the database is back (BRIEF §5: one skip event
/// per prospect step per trip, never zero).
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class CampaignCommitTests() : OwnServerCluster("commit")
{
    [Fact]
    public async Task SkipsWhoseStateWriteFailed_AreRecordedOnceTheDatabaseReturns_OnePerProspect() =>
        await SkipsAreRecordedAfterAFailedWriteAsync(async campaign =>
        {
            await Server.StopAsync();
            await Assert.ThrowsAnyAsync<Exception>(campaign.RunDueAsync);
            await Server.StartAsync();
        });

    [Fact]
    public async Task SkipsWhoseStateWriteMetAStaleVersion_AreRecordedByTheNextActivation_OnePerProspect() =>
        await SkipsAreRecordedAfterAFailedWriteAsync(async campaign =>
        {
            // Another activation's write, as a brief duplicate activation would leave: this one's ETag is stale.
            await using (var db = new Npgsql.NpgsqlConnection(ConnectionString))
            {
                await db.OpenAsync();
                await using var bump = new Npgsql.NpgsqlCommand("UPDATE OrleansStorage SET Version = Version + 1 WHERE GrainTypeString ILIKE '%campaign%'", db);
                Assert.Equal(1, await bump.ExecuteNonQueryAsync());
            }
            await Assert.ThrowsAnyAsync<Exception>(campaign.RunDueAsync);
        });

    private async Task SkipsAreRecordedAfterAFailedWriteAsync(Func<ICampaignGrain, Task> failOneWrite)
    {
        var ws = "ws-" + Guid.NewGuid().ToString("N")[..8];
        var accountId = "c-" + Guid.NewGuid().ToString("N")[..8];
        DurableSiloConfigurator.LinkedIn.Configure(accountId, new SimulatedAccountSettings { InMailCredits = 0 });
        var account = Cluster.GrainFactory.GetGrain<IAccountGrain>(GrainKeys.Scoped(ws, accountId));
        await account.ConfigureAsync(new AccountSettings());
        var campaign = Cluster.GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(ws, "inmail"));
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = accountId, Steps = [new StepDefinition(ActionType.InMail)] });
        await campaign.AddProspectsAsync([new ProspectInput("p1", null)]);
        await campaign.RunDueAsync(); // p1's InMail trips the breaker: one skip event
        await campaign.AddProspectsAsync([new ProspectInput("p2", null), new ProspectInput("p3", null), new ProspectInput("p4", null)]);

        // The account skips them; the campaign cannot store what it saw.
        await failOneWrite(campaign);

        string? lastError = null;
        Assert.True(await DurableCluster.EventuallyAsync(async () =>
        {
            try
            {
                await campaign.RunDueAsync();
                var skips = await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Skipped, Limit = 50 });
                return skips.Items.Count >= 4;
            }
            catch (Exception ex)
            {
                lastError = ex.GetType().Name + ": " + ex.Message; // pooled connections from before the restart
                return false;
            }
        }, TimeSpan.FromSeconds(30)), $"skip events never reached the log; last error {lastError}");

        var all = await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Skipped, Limit = 50 });
        Assert.Equal(["p1", "p2", "p3", "p4"], all.Items.Select(e => e.ProspectId).Order());
        Assert.All(all.Items, e => Assert.Equal(ActivityText.InMailCreditsExhaustedSkip, e.Text));
        Assert.Equal(4, (await campaign.GetViewAsync()).Counters.Skipped);
        Assert.Equal(1, DurableSiloConfigurator.LinkedIn.View(accountId).Calls[ActionType.InMail]);
    }
}
