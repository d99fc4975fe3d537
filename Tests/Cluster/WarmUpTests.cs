using OrleansBreaker.Accounts;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// BRIEF §12 at grain level: a warm-up ramps the effective caps per local day; a send over today's ramp
/// (but under the full cap) is deferred with <see cref="Reason.WarmUp"/> until the next local day opens;
/// the view shows effective and full caps; ending the warm-up restores the full caps at once.
/// </summary>
[Collection(RecordedClusterCollection.Name)]
public sealed class WarmUpTests(RecordedClusterFixture fixture)
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _accountId = "wu-" + Guid.NewGuid().ToString("N")[..10];
    private int _keys;

    private IAccountGrain Account => fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, _accountId));

    [Fact]
    public async Task AWarmUpOutOfRange_IsRefused_AndLeavesANewAccountUnconfigured()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Account.ConfigureAsync(new AccountSettings
        {
            TimeZone = "Europe/Paris",
            WarmUpDays = WarmUp.MaxDays + 1,
        }));

        var view = await Account.GetViewAsync();
        Assert.Equal((false, "UTC"), (view.Exists, view.TimeZone));
    }

    [Fact]
    public async Task AWarmUp_DefersSendsOverTodaysRamp_WithReasonWarmUp_UntilTheNextLocalDay_AndEndsOnRequest()
    {
        // 10:00 in Paris, a day still to come (the shared clock only moves forward).
        var start = TimeZoneInfo.ConvertTime(RecordedWorld.Time.GetUtcNow(), Paris).Date.AddDays(1).AddHours(10);
        var startUtc = new DateTimeOffset(start, Paris.GetUtcOffset(start)).ToUniversalTime();
        await RecordedClusterFixture.AdvanceToAsync(startUtc, TimeSpan.FromHours(6));
        RecordedWorld.LinkedIn.Configure(_accountId, new SimulatedAccountSettings());
        var view = await Account.ConfigureAsync(new AccountSettings
        {
            TimeZone = "Europe/Paris",
            Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(10, 50) },
            WarmUpDays = 5,
        });
        // Day 1 of 5: 20 % of 10 and of 50.
        Assert.Equal(new WarmUpView(5, RecordedWorld.Time.GetUtcNow(), 1), view.WarmUp);
        Assert.Equal((2, 10, 10, 50), (view.Usage[ActionType.Invite].DailyCap, view.Usage[ActionType.Invite].FullDailyCap,
            view.Usage[ActionType.Invite].WeeklyCap, view.Usage[ActionType.Invite].FullWeeklyCap));

        Assert.Equal(DispatchStatus.Sent, (await SendAsync()).Status);
        Assert.Equal(DispatchStatus.Sent, (await SendAsync()).Status);
        var tomorrow = CapWindows.NextDayStart(RecordedWorld.Time.GetUtcNow(), Paris);
        var held = await SendAsync();
        Assert.Equal((DispatchStatus.Deferred, Reason.WarmUp, tomorrow), (held.Status, held.Reason, held.ResumeAt));
        Assert.Equal(2, Delivered());

        // Day 2: 20 % + a quarter of the way to 100 % = 40 %, so 4 of 10.
        await RecordedClusterFixture.AdvanceToAsync(tomorrow + TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(DispatchStatus.Sent, (await SendAsync()).Status);
        }
        Assert.Equal(Reason.WarmUp, (await SendAsync()).Reason);
        Assert.Equal(2, (await Account.GetViewAsync()).WarmUp?.Day);

        // Ended: the full caps apply at once, and the view no longer shows a warm-up.
        var ended = await Account.ConfigureAsync(new AccountSettings { EndWarmUp = true });
        Assert.Null(ended.WarmUp);
        Assert.Equal(10, ended.Usage[ActionType.Invite].DailyCap);
        Assert.Equal(DispatchStatus.Sent, (await SendAsync()).Status);
        Assert.Equal(7, Delivered());
        Assert.Equal(0, RecordedWorld.LinkedIn.View(_accountId).DuplicateKeys);
    }

    [Fact]
    public async Task WithoutAWarmUp_NothingChanges_AndAWarmUpOfImpossibleLengthIsRefused()
    {
        var view = await Account.ConfigureAsync(new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = new(10, 50) } });
        Assert.Null(view.WarmUp);
        Assert.Equal((10, 10), (view.Usage[ActionType.Invite].DailyCap, view.Usage[ActionType.Invite].FullDailyCap));
        await Assert.ThrowsAsync<ArgumentException>(() => Account.ConfigureAsync(new AccountSettings { WarmUpDays = 0 }));
        Assert.Null((await Account.GetViewAsync()).WarmUp);
    }

    private int Delivered() => RecordedWorld.LinkedIn.View(_accountId).Delivered.GetValueOrDefault(ActionType.Invite);

    private Task<DispatchResult> SendAsync() =>
        Account.DispatchAsync(new DispatchCommand { CampaignId = "direct", ProspectId = $"p{++_keys}", Step = 0, Action = ActionType.Invite });
}
