using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>A fresh workspace per test (unique ids), with helpers that read like the behaviour under test.</summary>
public sealed class Scenario(IGrainFactory grains)
{
    public string Workspace { get; } = "ws-" + Guid.NewGuid().ToString("N")[..10];
    public string AccountId { get; } = "acct-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>The simulator keys accounts by account id alone; ours are unique per test, so this is the test's account.</summary>
    public SimulatedAccountView LinkedIn => TestWorld.LinkedIn.View(AccountId);

    public IAccountGrain Account => grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(Workspace, AccountId));

    public ICampaignGrain Campaign(string id) => grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Workspace, id));

    public async Task<IAccountGrain> CreateAccountAsync(AccountSettings? settings = null, SimulatedAccountSettings? linkedIn = null)
    {
        TestWorld.LinkedIn.Configure(AccountId, linkedIn ?? new SimulatedAccountSettings());
        await Account.ConfigureAsync(settings ?? new AccountSettings());
        return Account;
    }

    public async Task<ICampaignGrain> CreateCampaignAsync(string id, ActionType[] steps, int prospects, string prefix = "p")
    {
        var campaign = Campaign(id);
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = AccountId, Steps = [.. steps.Select(s => new StepDefinition(s))] });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, prospects).Select(i => new ProspectInput($"{prefix}{i}", $"https://www.linkedin.com/in/{prefix}{i}"))]);
        return campaign;
    }

    /// <summary>Runs the campaign's dispatch until nothing is due any more (bounded).</summary>
    public static async Task<int> DrainAsync(ICampaignGrain campaign, int maxRounds = 50)
    {
        var total = 0;
        for (var i = 0; i < maxRounds; i++)
        {
            var n = await campaign.RunDueAsync();
            if (n == 0)
            {
                return total;
            }
            total += n;
        }
        return total;
    }

    /// <summary>Advances the fake clock in steps so that every timer and reminder due on the way fires.</summary>
    public static async Task AdvanceAsync(TimeSpan by, TimeSpan? step = null)
    {
        var s = step ?? TimeSpan.FromMinutes(30);
        var end = TestWorld.Time.GetUtcNow() + by;
        while (TestWorld.Time.GetUtcNow() < end)
        {
            var next = TestWorld.Time.GetUtcNow() + s;
            TestWorld.Time.SetUtcNow(next < end ? next : end);
            await Task.Delay(20);
        }
        await Task.Delay(200);
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the real-time budget runs out.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return await condition();
    }
}
