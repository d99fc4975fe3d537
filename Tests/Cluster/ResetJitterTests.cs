using OrleansBreaker.Accounts;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// BRIEF §4: the work behind a monthly reset is staggered per account (<see cref="ResetCalendar.Jitter(string, TimeSpan)"/>
/// over <c>Dispatch:ResetSpread</c>, 5 minutes by default), through the grain's own reset reminder,
/// while the resume time users see stays the reset instant itself.
/// </summary>
[Collection(RecordedClusterCollection.Name)]
public sealed class ResetJitterTests(RecordedClusterFixture fixture)
{
    private static readonly TimeSpan Spread = ResetCalendar.MaxJitter; // the silo runs with the default Dispatch:ResetSpread
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..10];

    private IAccountGrain Account(string id) => fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, id));

    [Fact]
    public async Task TrippedAccounts_ResumeAtDistinctJitteredInstantsWithinTheSpread_WhileUsersSeeTheResetInstant()
    {
        var accounts = PickAccountsWithWellSeparatedJitter(5, minimumGap: TimeSpan.FromSeconds(30));
        var campaigns = new Dictionary<string, ICampaignGrain>();
        foreach (var id in accounts)
        {
            RecordedWorld.LinkedIn.Configure(id, new SimulatedAccountSettings { InMailCredits = 0 });
            await Account(id).ConfigureAsync(new AccountSettings());
            var campaign = fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "c-" + id));
            await campaign.ConfigureAsync(new CampaignSettings { AccountId = id, Steps = [new StepDefinition(ActionType.InMail)] });
            await campaign.AddProspectsAsync([new ProspectInput("p1", null)]);
            await campaign.RunDueAsync();
            campaigns[id] = campaign;
        }
        var reset = ResetCalendar.NextReset(RecordedWorld.Time.GetUtcNow());

        // What users see: the reset instant itself, for every account, on the account and on its prospect.
        foreach (var id in accounts)
        {
            var breaker = (await Account(id).GetViewAsync()).Breakers[ActionType.InMail];
            Assert.Equal((BreakerState.Open, reset), (breaker.State, breaker.ResumeAt));
            var prospect = (await campaigns[id].GetProspectAsync("p1"))!;
            Assert.Equal((ProspectStatus.Waiting, Reason.InMailCreditsExhausted, reset), (prospect.Status, prospect.Reason, prospect.ResumeAt));
        }
        Assert.Equal(TimeSpan.Zero, reset.UtcDateTime.TimeOfDay);

        // Walk up to the reset quickly, then through the spread in small steps: after each step, every
        // account whose jittered instant has come resumes (its reminder fires), and no other does.
        await RecordedClusterFixture.AdvanceToAsync(reset - TimeSpan.FromMinutes(1), TimeSpan.FromHours(6));
        Assert.All(ResumesOf(accounts), r => Assert.Fail($"{r.AccountId} resumed before the reset, at {r.At:O}"));
        var firstSeen = new Dictionary<string, DateTimeOffset>();
        while (RecordedWorld.Time.GetUtcNow() < reset + Spread + Step)
        {
            await RecordedClusterFixture.AdvanceAsync(Step, Step);
            var now = RecordedWorld.Time.GetUtcNow();
            var due = accounts.Where(id => reset + Jitter(id) <= now).ToList();
            Assert.True(await Scenario.EventuallyAsync(() => Task.FromResult(due.All(id => ResumesOf([id]).Count > 0)), TimeSpan.FromSeconds(30)),
                $"at {now:O}: due {string.Join(", ", due)}, resumed {string.Join(", ", ResumesOf(accounts).Select(r => r.AccountId))}");
            foreach (var id in accounts)
            {
                var view = (await Account(id).GetViewAsync()).Breakers[ActionType.InMail];
                if (due.Contains(id))
                {
                    firstSeen.TryAdd(id, now);
                    Assert.Equal(BreakerState.Probing, view.State);
                }
                else
                {
                    Assert.True(view.State == BreakerState.Open, $"{id} (jitter {Jitter(id)}) is {view.State} at {now:O}, before its jittered instant");
                }
            }
        }

        var resumes = accounts.ToDictionary(id => id, id => Assert.Single(ResumesOf([id])).At);
        foreach (var id in accounts)
        {
            // The reminder fired at the first step at or after its jittered instant.
            Assert.InRange(resumes[id], reset + Jitter(id), reset + Jitter(id) + Step);
            Assert.Equal(firstSeen[id], resumes[id]);
        }
        Assert.Equal(accounts.Count, resumes.Values.Distinct().Count());
        Assert.All(resumes.Values, at => Assert.InRange(at, reset, reset + Spread + Step));
        Assert.True(resumes.Values.Max() - resumes.Values.Min() >= TimeSpan.FromMinutes(1),
            $"the resumes are not spread out: {string.Join(", ", resumes.Values.Order().Select(t => t.ToString("O")))}");
        // The user-visible time of the trip stayed the reset instant: the skip event says so too.
        foreach (var id in accounts)
        {
            var skips = await campaigns[id].GetActivityAsync(new ActivityQuery { Kind = EventKind.Skipped });
            Assert.Equal(reset, Assert.Single(skips.Items).ResumeAt);
        }
    }

    private TimeSpan Jitter(string accountId) => ResetCalendar.Jitter(GrainKeys.Scoped(_ws, accountId), Spread);

    private IReadOnlyList<EventRecord> ResumesOf(IReadOnlyCollection<string> accounts) =>
        RecordedWorld.EventLog.Where(e => e.WorkspaceId == _ws && e.Kind == EventKind.BreakerCleared && e.Action == ActionType.InMail
            && e.AccountId is { } a && accounts.Contains(a));

    /// <summary>Account ids of this workspace whose jitters lie at least <paramref name="minimumGap"/> apart, so each resume is its own instant.</summary>
    private List<string> PickAccountsWithWellSeparatedJitter(int count, TimeSpan minimumGap)
    {
        var picked = new List<string>();
        for (var i = 0; picked.Count < count; i++)
        {
            Assert.True(i < 10_000, "could not find account ids with well-separated jitter");
            var id = $"j{i}-" + Guid.NewGuid().ToString("N")[..6];
            var jitter = Jitter(id);
            if (jitter >= Step && jitter < Spread - Step && picked.All(p => (Jitter(p) - jitter).Duration() >= minimumGap))
            {
                picked.Add(id);
            }
        }
        return picked;
    }
}
