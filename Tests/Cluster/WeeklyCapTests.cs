using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// BRIEF §2 at grain level: the weekly cap counts across the days of the account's local week and
/// defers with <see cref="Reason.CapReached"/> until Monday 00:00 in the account's own time zone.
/// </summary>
[Collection(RecordedClusterCollection.Name)]
public sealed class WeeklyCapTests(RecordedClusterFixture fixture)
{
    private const int Daily = 5;
    private const int Weekly = 7;
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _accountId = "wk-" + Guid.NewGuid().ToString("N")[..10];

    private IAccountGrain Account => fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, _accountId));

    [Fact]
    public async Task WeeklyCap_FilledOverTwoDays_DefersWithCapReachedUntilMondayMidnightLocal_ThenSendsAgain()
    {
        // A Tuesday 10:00 in New York, in a week still to come (the clock only moves forward).
        var tuesday = NextLocal(DayOfWeek.Tuesday, new TimeSpan(10, 0, 0));
        var nextMonday = LocalInstant(TimeZoneInfo.ConvertTime(tuesday, NewYork).Date.AddDays(6));
        await RecordedClusterFixture.AdvanceToAsync(tuesday, TimeSpan.FromHours(6));

        RecordedWorld.LinkedIn.Configure(_accountId, new SimulatedAccountSettings());
        await Account.ConfigureAsync(new AccountSettings
        {
            TimeZone = "America/New_York",
            Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(Daily, Weekly) },
        });
        var campaign = fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, "invites"));
        await campaign.ConfigureAsync(new CampaignSettings { AccountId = _accountId, Steps = [new StepDefinition(ActionType.Invite)] });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, 15).Select(i => new ProspectInput($"p{i}", null))]);

        // Tuesday: the daily cap stops it, until Wednesday 00:00 local.
        await Scenario.DrainAsync(campaign);
        Assert.Equal(Daily, Delivered());
        var dailyStop = await Direct("tuesday-extra");
        Assert.Equal((DispatchStatus.Deferred, Reason.CapReached, LocalInstant(TimeZoneInfo.ConvertTime(tuesday, NewYork).Date.AddDays(1))),
            (dailyStop.Status, dailyStop.Reason, dailyStop.ResumeAt));

        // Wednesday: two more fill the week; from then on it is deferred until Monday 00:00 local, not midnight.
        await RecordedClusterFixture.AdvanceAsync(TimeSpan.FromDays(1), TimeSpan.FromHours(2));
        await Scenario.DrainAsync(campaign);
        Assert.Equal(Weekly, Delivered());
        var weeklyStop = await Direct("wednesday-extra");
        Assert.Equal((DispatchStatus.Deferred, Reason.CapReached, nextMonday), (weeklyStop.Status, weeklyStop.Reason, weeklyStop.ResumeAt));
        var waiting = (await campaign.GetProspectAsync($"p{Weekly + 1}"))!;
        Assert.Equal((ProspectStatus.Waiting, Reason.CapReached, nextMonday), (waiting.Status, waiting.Reason, waiting.ResumeAt));
        Assert.Equal(Weekly, (await Account.GetViewAsync()).Usage[ActionType.Invite].ThisWeek);

        // Sunday 23:50 in New York is Monday 04:50 UTC: still this local week, nothing goes out.
        await RecordedClusterFixture.AdvanceToAsync(nextMonday - TimeSpan.FromMinutes(10), TimeSpan.FromHours(6));
        Assert.True(RecordedWorld.Time.GetUtcNow().UtcDateTime.DayOfWeek == DayOfWeek.Monday, "the UTC week has already rolled");
        Assert.Equal(0, await Scenario.DrainAsync(campaign));
        Assert.Equal(Weekly, Delivered());
        var sunday = await Direct("sunday-extra");
        Assert.Equal((DispatchStatus.Deferred, Reason.CapReached, nextMonday), (sunday.Status, sunday.Reason, sunday.ResumeAt));

        // Monday 00:00 local: a new week (and day), sends resume up to the daily cap.
        await RecordedClusterFixture.AdvanceToAsync(nextMonday + TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
        await Scenario.DrainAsync(campaign);
        Assert.Equal(Weekly + Daily, Delivered());
        Assert.Equal(0, RecordedWorld.LinkedIn.View(_accountId).DuplicateKeys);
        var usage = (await Account.GetViewAsync()).Usage[ActionType.Invite];
        Assert.Equal((Daily, Daily), (usage.Today, usage.ThisWeek));
    }

    private int Delivered() => RecordedWorld.LinkedIn.View(_accountId).Delivered.GetValueOrDefault(ActionType.Invite);

    private Task<DispatchResult> Direct(string prospect) =>
        Account.DispatchAsync(new DispatchCommand { CampaignId = "direct", ProspectId = prospect, Step = 0, Action = ActionType.Invite });

    /// <summary>The UTC instant of a local New York wall-clock time (no DST change falls in these weeks).</summary>
    private static DateTimeOffset LocalInstant(DateTime local)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, NewYork.GetUtcOffset(unspecified)).ToUniversalTime();
    }

    /// <summary>The next <paramref name="day"/> at <paramref name="at"/> New York time, at least a day ahead.</summary>
    private static DateTimeOffset NextLocal(DayOfWeek day, TimeSpan at)
    {
        var local = TimeZoneInfo.ConvertTime(RecordedWorld.Time.GetUtcNow(), NewYork).Date.AddDays(1);
        while (local.DayOfWeek != day)
        {
            local = local.AddDays(1);
        }
        return LocalInstant(local + at);
    }
}
