using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Cluster;

/// <summary>
/// BRIEF §11 at grain level: a campaign sending from a pool of accounts. Prospects are bound to the seat that
/// delivered their first action; unbound ones go to the seat with the most room; InMail moves to seats with
/// credits when one trips, and waits (one skip each, the pool's earliest resume) only when none has any.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PoolTests(ClusterFixture fixture)
{
    private readonly string _ws = "ws-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _tag = Guid.NewGuid().ToString("N")[..8];

    private string Seat(string name) => $"{name}-{_tag}";

    private IAccountGrain Account(string name) => fixture.Grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(_ws, Seat(name)));

    private ICampaignGrain Campaign(string id) => fixture.Grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_ws, id));

    private static SimulatedAccountView LinkedIn(string seat) => TestWorld.LinkedIn.View(seat);

    private int Delivered(string name, ActionType action) => LinkedIn(Seat(name)).Delivered.GetValueOrDefault(action);

    private int Calls(string name, ActionType action) => LinkedIn(Seat(name)).Calls.GetValueOrDefault(action);

    private async Task CreateAccountAsync(string name, AccountSettings? settings = null, int inMailCredits = 50)
    {
        TestWorld.LinkedIn.Configure(Seat(name), new SimulatedAccountSettings { InMailCredits = inMailCredits });
        await Account(name).ConfigureAsync(settings ?? new AccountSettings());
    }

    private async Task<ICampaignGrain> CreateCampaignAsync(string id, string[] pool, StepDefinition[] steps, int prospects)
    {
        var campaign = Campaign(id);
        await campaign.ConfigureAsync(new CampaignSettings { AccountIds = [.. pool.Select(Seat)], Steps = steps });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, prospects).Select(i => new ProspectInput($"p{i:D2}", $"https://www.linkedin.com/in/p{i}"))]);
        return campaign;
    }

    private static CapLimits Daily(int daily) => new(daily, daily * 5);

    private async Task<List<ProspectView>> ProspectsAsync(ICampaignGrain campaign, ProspectQuery? query = null) =>
        [.. (await campaign.ListProspectsAsync(query ?? new ProspectQuery { Limit = 500 })).Items];

    [Fact]
    public async Task UnboundProspects_GoToTheAccountWithTheMostRoomRelativeToItsCap_AndEqualAccountsShareEvenly()
    {
        await CreateAccountAsync("a", new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = Daily(10) } });
        await CreateAccountAsync("b", new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = Daily(10) } });
        await CreateAccountAsync("c", new AccountSettings { Limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = Daily(20) } });
        var campaign = await CreateCampaignAsync("rooms", ["a", "b", "c"], [new(ActionType.Invite)], 8);

        await Scenario.DrainAsync(campaign);

        // Room relative to the cap: c (20) takes twice what a and b (10 each) take, a and b share evenly.
        Assert.Equal((2, 2, 4), (Delivered("a", ActionType.Invite), Delivered("b", ActionType.Invite), Delivered("c", ActionType.Invite)));
        var prospects = await ProspectsAsync(campaign);
        Assert.All(prospects, p => Assert.Equal(ProspectStatus.Done, p.Status));
        Assert.Equal(4, prospects.Count(p => p.AccountId == Seat("c")));
        Assert.Equal(8, (await campaign.GetViewAsync()).Counters.Sent);
    }

    [Fact]
    public async Task OneRunOfAPool_SendsABatchFromEverySeat_NotOneBatchSharedAmongThem()
    {
        var limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = Daily(100) };
        foreach (var name in new[] { "a", "b", "c" })
        {
            await CreateAccountAsync(name, new AccountSettings { Limits = limits });
        }
        var campaign = await CreateCampaignAsync("batch", ["a", "b", "c"], [new(ActionType.Invite)], 60);

        // The batch (10 by default) is a seat's share of a run, as for a campaign welded to one account.
        Assert.Equal(30, await campaign.RunDueAsync());

        Assert.Equal((10, 10, 10), (Delivered("a", ActionType.Invite), Delivered("b", ActionType.Invite), Delivered("c", ActionType.Invite)));
        var view = await campaign.GetViewAsync();
        Assert.Equal(30, view.Counters.Sent);
        await Scenario.DrainAsync(campaign);
        Assert.Equal(60, (await campaign.GetViewAsync()).Counters.Sent);
        Assert.All(new[] { "a", "b", "c" }, n => Assert.Equal(0, LinkedIn(Seat(n)).DuplicateKeys));
    }

    [Fact]
    public async Task TheDashboardsCounts_ProspectsHeldPerSeat_SendsPerDayPerSeat_AndAnAccountsDaysWithItsTrips()
    {
        var limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = Daily(10) };
        await CreateAccountAsync("a", new AccountSettings { Limits = limits, TimeZone = "Asia/Tokyo" });
        await CreateAccountAsync("b", new AccountSettings { Limits = limits }, inMailCredits: 0);
        var campaign = await CreateCampaignAsync("charts", ["a", "b"], [new(ActionType.Invite), new(ActionType.InMail)], 6);
        await Scenario.DrainAsync(campaign);

        // Each seat delivered 3 invites; b's InMail tripped at once, so a sent every InMail of the step.
        var seats = await campaign.GetPoolSeatsAsync();
        Assert.Equal([(Seat("a"), 3, true), (Seat("b"), 3, true)], seats.Select(s => (s.AccountId, s.Bound, s.InPool)));
        var pool = await campaign.GetPoolHistoryAsync(14);
        Assert.Equal(14, pool.Days.Count);
        Assert.Equal(DateOnly.FromDateTime(TestWorld.Time.GetUtcNow().UtcDateTime), pool.Days[^1]);
        var sentByA = Delivered("a", ActionType.Invite) + Delivered("a", ActionType.InMail);
        var sentByB = Delivered("b", ActionType.Invite) + Delivered("b", ActionType.InMail);
        Assert.Equal((sentByA, sentByB), (pool.SentPerAccount[Seat("a")].Sum(), pool.SentPerAccount[Seat("b")].Sum()));
        Assert.Equal(sentByA + sentByB, (await campaign.GetViewAsync()).Counters.Sent);

        var history = await Account("b").GetHistoryAsync(14);
        Assert.Equal(14, history.Days.Count);
        Assert.Equal(3, history.Days[^1].Sent[ActionType.Invite]);
        Assert.Equal(10, history.Days[^1].DailyCap[ActionType.Invite]);
        Assert.All(history.Days.SkipLast(1), d => Assert.All(d.Sent.Values, n => Assert.Equal(0, n)));
        var trip = Assert.Single(history.Marks);
        Assert.Equal((ActionType.InMail, true), (trip.Action, trip.Tripped));
        // a's days are Tokyo's: its last day is today in Tokyo.
        var tokyoToday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TestWorld.Time.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).DateTime);
        Assert.Equal(tokyoToday, (await Account("a").GetHistoryAsync(14)).Days[^1].Day);

        // b's 3 conversations wait for its InMail credits (bound to b, they never move to a).
        Assert.Equal(new Dictionary<Reason, int> { [Reason.InMailCreditsExhausted] = 3 }, await campaign.GetWaitingByReasonAsync());
    }

    [Fact]
    public async Task WaitingByReason_CountsAsTheProspectListShows_APausedCampaignsOpenProspectsWaitForTheCampaign()
    {
        await CreateAccountAsync("a", inMailCredits: 0);
        await CreateAccountAsync("b", inMailCredits: 0);
        var campaign = await CreateCampaignAsync("why", ["a", "b"], [new(ActionType.InMail)], 5);
        await Scenario.DrainAsync(campaign);
        Assert.Equal(new Dictionary<Reason, int> { [Reason.InMailCreditsExhausted] = 5 }, await campaign.GetWaitingByReasonAsync());

        await campaign.ConfigureAsync(new CampaignSettings { AccountIds = [Seat("a"), Seat("b")], Steps = [new(ActionType.InMail)], Active = false });
        await Scenario.AdvanceAsync(OrleansBreaker.Campaigns.CampaignGrain.CountsRefresh + TimeSpan.FromSeconds(1));

        Assert.Equal(new Dictionary<Reason, int> { [Reason.CampaignPaused] = 5 }, await campaign.GetWaitingByReasonAsync());
        var listed = await ProspectsAsync(campaign, new ProspectQuery { Status = ProspectStatus.Waiting, Reason = Reason.CampaignPaused, Limit = 50 });
        Assert.Equal(5, listed.Count);
    }

    [Fact]
    public async Task AssignmentFollowsEachAccountsOwnLocalDay_ASeatWhoseDayHasRolledHasTheMostRoom()
    {
        // Tokyo's day starts 14 hours before New York's: find an instant when Tokyo has just rolled over.
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var now = TestWorld.Time.GetUtcNow();
        var tokyoMidnight = TimeZoneInfo.ConvertTime(now, tokyo).Date.AddDays(1);
        var rollover = new DateTimeOffset(tokyoMidnight, tokyo.GetUtcOffset(tokyoMidnight)).ToUniversalTime();
        if (rollover - now < TimeSpan.FromHours(2))
        {
            rollover = rollover.AddDays(1);
        }
        await Scenario.AdvanceAsync(rollover - TimeSpan.FromHours(1) - now);
        var limits = new Dictionary<ActionType, CapLimits> { [ActionType.Invite] = Daily(4) };
        await CreateAccountAsync("tokyo", new AccountSettings { TimeZone = "Asia/Tokyo", Limits = limits });
        await CreateAccountAsync("ny", new AccountSettings { TimeZone = "America/New_York", Limits = limits });
        // Both spend 3 of 4 today, each in its own day.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(DispatchStatus.Sent, (await Account("tokyo").DispatchAsync(new DispatchCommand { CampaignId = "direct", ProspectId = $"t{i}", Step = 0, Action = ActionType.Invite })).Status);
            Assert.Equal(DispatchStatus.Sent, (await Account("ny").DispatchAsync(new DispatchCommand { CampaignId = "direct", ProspectId = $"n{i}", Step = 0, Action = ActionType.Invite })).Status);
        }
        // Tokyo's midnight passes; New York's day goes on.
        await Scenario.AdvanceAsync(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(5));
        var campaign = await CreateCampaignAsync("zones", ["ny", "tokyo"], [new(ActionType.Invite)], 3);

        await Scenario.DrainAsync(campaign);

        // Tokyo has 4 of 4 free again, New York 1 of 4: all three go from Tokyo (its room, 1/2 after two, still beats 1/4).
        Assert.Equal((3 + 3, 3), (Delivered("tokyo", ActionType.Invite), Delivered("ny", ActionType.Invite)));
        Assert.All(await ProspectsAsync(campaign), p => Assert.Equal(Seat("tokyo"), p.AccountId));
    }

    [Fact]
    public async Task LaterSteps_StayWithTheSeatThatSentTheFirst_EvenWhileItCannotSend_AndAnotherPoolAccountIsIdle()
    {
        await CreateAccountAsync("a");
        await CreateAccountAsync("b");
        var campaign = await CreateCampaignAsync("bound", ["a", "b"], [new(ActionType.Invite), new(ActionType.Message, DelayMinutes: 60)], 6);
        await Scenario.DrainAsync(campaign);
        var first = (await ProspectsAsync(campaign)).ToDictionary(p => p.Id, p => p.AccountId);
        Assert.Equal((3, 3), (Delivered("a", ActionType.Invite), Delivered("b", ActionType.Invite)));
        Assert.All(first.Values, Assert.NotNull);

        // a is disconnected; b is idle. a's prospects wait for a, typed, and never move to b.
        await Account("a").ConfigureAsync(new AccountSettings { Status = AccountStatus.Disconnected });
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(61));
        await Scenario.DrainAsync(campaign);

        var waiting = await ProspectsAsync(campaign);
        Assert.All(waiting.Where(p => first[p.Id] == Seat("a")), p =>
            Assert.Equal((ProspectStatus.Waiting, Reason.AccountDisconnected, Seat("a")), (p.Status, p.Reason, p.AccountId)));
        Assert.All(waiting.Where(p => first[p.Id] == Seat("b")), p => Assert.Equal((ProspectStatus.Done, Seat("b")), (p.Status, p.AccountId)));
        Assert.Equal((0, 3), (Delivered("a", ActionType.Message), Delivered("b", ActionType.Message)));

        // Back: a sends its own follow-ups.
        await Account("a").ConfigureAsync(new AccountSettings { Status = AccountStatus.Connected });
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(6));
        await Scenario.DrainAsync(campaign);
        Assert.Equal((3, 3), (Delivered("a", ActionType.Message), Delivered("b", ActionType.Message)));
        Assert.All(await ProspectsAsync(campaign), p => Assert.Equal((ProspectStatus.Done, first[p.Id]), (p.Status, p.AccountId)));
    }

    [Fact]
    public async Task WhenOneSeatsInMailTrips_ItsUnboundProspectsMoveToSeatsWithCredits_WithoutSkips_AndTheTrippedSeatIsNotAskedAgain()
    {
        await CreateAccountAsync("a", inMailCredits: 2);
        await CreateAccountAsync("b", inMailCredits: 20);
        await CreateAccountAsync("c", inMailCredits: 20);
        var campaign = await CreateCampaignAsync("reroute", ["a", "b", "c"], [new(ActionType.InMail)], 12);

        await Scenario.DrainAsync(campaign);

        Assert.Equal(BreakerState.Open, (await Account("a").GetViewAsync()).Breakers[ActionType.InMail].State);
        Assert.Equal(2, Delivered("a", ActionType.InMail));
        Assert.Equal(3, Calls("a", ActionType.InMail)); // two delivered and the refusal that tripped it; never asked again
        Assert.Equal(12, Delivered("a", ActionType.InMail) + Delivered("b", ActionType.InMail) + Delivered("c", ActionType.InMail));
        var view = await campaign.GetViewAsync();
        Assert.Equal((12, 0), (view.Counters.Sent, view.Counters.Skipped));
        Assert.Empty((await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Skipped })).Items);
        Assert.Equal(new PoolHealth(2, 3, (await Account("a").GetViewAsync()).Breakers[ActionType.InMail].ResumeAt), view.Pool[ActionType.InMail]);
        Assert.False(view.Degraded);
        Assert.All(new[] { "a", "b", "c" }, s => Assert.Equal(0, LinkedIn(Seat(s)).DuplicateKeys));
    }

    [Fact]
    public async Task WhenNoSeatHasCredits_UnboundInMailsWait_WithOneSkipEach_AndThePoolsEarliestResume_ThenMoveWhenASeatClears()
    {
        await CreateAccountAsync("a", new AccountSettings { ResetDay = 1 }, inMailCredits: 1);
        await CreateAccountAsync("b", new AccountSettings { ResetDay = 28 }, inMailCredits: 1);
        var campaign = await CreateCampaignAsync("dry", ["a", "b"], [new(ActionType.InMail)], 5);

        await Scenario.DrainAsync(campaign);
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(30));
        await Scenario.DrainAsync(campaign);

        var resumes = new[] { (await Account("a").GetViewAsync()).Breakers[ActionType.InMail].ResumeAt, (await Account("b").GetViewAsync()).Breakers[ActionType.InMail].ResumeAt };
        var earliest = resumes.Min();
        Assert.NotNull(earliest);
        var waiting = await ProspectsAsync(campaign, new ProspectQuery { Status = ProspectStatus.Waiting, Limit = 50 });
        Assert.Equal(3, waiting.Count);
        Assert.All(waiting, p => Assert.Equal((Reason.InMailCreditsExhausted, earliest, (string?)null), (p.Reason, p.ResumeAt, p.AccountId)));
        var skips = (await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Skipped })).Items;
        Assert.Equal(3, skips.Count);
        Assert.All(skips, s => Assert.Equal(ActivityText.InMailCreditsExhaustedSkip, s.Text));
        Assert.Equal(3, skips.Select(s => s.ProspectId).Distinct().Count());
        var view = await campaign.GetViewAsync();
        Assert.Equal((2, 3), (view.Counters.Sent, view.Counters.Skipped));
        Assert.Equal(new PoolHealth(0, 2, earliest), view.Pool[ActionType.InMail]);
        Assert.True(view.Degraded);
        Assert.Equal((2, 2), (Calls("a", ActionType.InMail), Calls("b", ActionType.InMail)));

        // b's seat gets credits and a successful InMail is reported: its breaker clears, and the waiting
        // prospects go to b (a is still dry and is not asked).
        TestWorld.LinkedIn.Configure(Seat("b"), new SimulatedAccountSettings { InMailCredits = 10 });
        await Account("b").RecordExternalEventAsync(new ExternalEvent { Action = ActionType.InMail, Kind = EventKind.Sent, At = TestWorld.Time.GetUtcNow() });
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(1));
        await Scenario.DrainAsync(campaign);

        Assert.Equal((1, 4), (Delivered("a", ActionType.InMail), Delivered("b", ActionType.InMail)));
        Assert.Equal(2, Calls("a", ActionType.InMail));
        var after = await campaign.GetViewAsync();
        Assert.Equal((5, 3), (after.Counters.Sent, after.Counters.Skipped));
        // One of two can send: still at most half, still degraded; marked once.
        Assert.Equal(new PoolHealth(1, 2, resumes[0]), after.Pool[ActionType.InMail]);
        Assert.True(after.Degraded);
        var poolEvents = (await campaign.GetActivityAsync(new ActivityQuery { Limit = 100 })).Items.Where(e => e.Kind is EventKind.PoolDegraded or EventKind.PoolRecovered).ToList();
        Assert.Equal([EventKind.PoolDegraded], poolEvents.Select(e => e.Kind));
        Assert.Equal("Pool degraded: 0 of 2 accounts can send InMail; next one at " + $"{earliest:u}", poolEvents[0].Text);
    }

    [Fact]
    public async Task APoolIsMarkedDegradedOnceWhenAtMostHalfCanSend_AndRecoveredOnceWhenMoreThanHalfCanAgain()
    {
        // The metrics are the silo's (this test host's), so other pools may add to them: this pool's own marks are among them.
        var measured = new System.Collections.Concurrent.ConcurrentQueue<(string Name, long Value)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name is "breaker.pool.degradations" or "breaker.pool.degraded")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "action", Value: "InMail" })
                {
                    measured.Enqueue((instrument.Name, value));
                }
            }
        });
        listener.Start();
        foreach (var seat in new[] { "a", "b", "c" })
        {
            await CreateAccountAsync(seat, inMailCredits: 1);
        }
        var campaign = await CreateCampaignAsync("health", ["a", "b", "c"], [new(ActionType.InMail)], 8);
        await Scenario.DrainAsync(campaign);
        Assert.True((await campaign.GetViewAsync()).Degraded);

        // Later, two seats get credits and report a successful InMail: their breakers clear, 2 of 3 can send.
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(5));
        foreach (var seat in new[] { "b", "c" })
        {
            TestWorld.LinkedIn.Configure(Seat(seat), new SimulatedAccountSettings { InMailCredits = 10 });
            await Account(seat).RecordExternalEventAsync(new ExternalEvent { Action = ActionType.InMail, Kind = EventKind.Sent, At = TestWorld.Time.GetUtcNow() });
        }
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(1));
        await Scenario.DrainAsync(campaign);

        var view = await campaign.GetViewAsync();
        Assert.Equal((8, 2, 3), (view.Counters.Sent, view.Pool[ActionType.InMail].Available, view.Pool[ActionType.InMail].Total));
        Assert.False(view.Degraded);
        var marks = (await campaign.GetActivityAsync(new ActivityQuery { Limit = 100 })).Items
            .Where(e => e.Kind is EventKind.PoolDegraded or EventKind.PoolRecovered).ToList();
        Assert.Equal([EventKind.PoolRecovered, EventKind.PoolDegraded], marks.Select(e => e.Kind)); // newest first
        Assert.Equal("Pool recovered: 2 of 3 accounts can send InMail", marks[0].Text);
        Assert.Contains(("breaker.pool.degradations", 1L), measured);
        Assert.Contains(("breaker.pool.degraded", 1L), measured);
        Assert.Contains(("breaker.pool.degraded", -1L), measured);
    }

    [Fact]
    public async Task BoundInMailProspects_WaitForTheirTrippedSeat_WhileUnboundOnesAreSentByTheOthers()
    {
        await CreateAccountAsync("a", inMailCredits: 3);
        await CreateAccountAsync("b", inMailCredits: 50);
        var campaign = await CreateCampaignAsync("mixed", ["a", "b"], [new(ActionType.Invite), new(ActionType.InMail, DelayMinutes: 10)], 6);
        await Scenario.DrainAsync(campaign);
        var seats = (await ProspectsAsync(campaign)).ToDictionary(p => p.Id, p => p.AccountId);
        Assert.Equal(3, seats.Values.Count(s => s == Seat("a")));
        // a's credits run out: it sends no InMail at all now.
        TestWorld.LinkedIn.Configure(Seat("a"), new SimulatedAccountSettings { InMailCredits = 0 });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, 4).Select(i => new ProspectInput($"late{i}", null))]);

        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(11));
        await Scenario.DrainAsync(campaign);
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(11));
        await Scenario.DrainAsync(campaign);

        var prospects = await ProspectsAsync(campaign);
        // Conversations a started wait for a's credits, typed and bound; b's went through b. One skip each.
        var onA = prospects.Where(p => p.AccountId == Seat("a")).ToList();
        Assert.True(onA.Count >= 3);
        Assert.All(onA, p => Assert.Equal((ProspectStatus.Waiting, Reason.InMailCreditsExhausted), (p.Status, p.Reason)));
        Assert.All(prospects.Where(p => p.AccountId != Seat("a")), p => Assert.Equal((ProspectStatus.Done, Seat("b")), (p.Status, p.AccountId)));
        Assert.Equal(0, Delivered("a", ActionType.InMail));
        var skips = (await campaign.GetActivityAsync(new ActivityQuery { Kind = EventKind.Skipped })).Items;
        Assert.Equal(onA.Select(p => p.Id).Order(), skips.Select(s => s.ProspectId!).Order());
        Assert.Equal(1, Calls("a", ActionType.InMail)); // the refusal that tripped it; the others were never offered
    }

    [Fact]
    public async Task ShrinkingThePool_HoldsTheRemovedSeatsConversations_WithATypedReason_AndGrowingItBack_ReleasesThem()
    {
        await CreateAccountAsync("a");
        await CreateAccountAsync("b");
        var steps = new StepDefinition[] { new(ActionType.Invite), new(ActionType.Message, DelayMinutes: 30) };
        var campaign = await CreateCampaignAsync("shrink", ["a", "b"], steps, 4);
        await Scenario.DrainAsync(campaign);
        var seats = (await ProspectsAsync(campaign)).ToDictionary(p => p.Id, p => p.AccountId);

        var shrunk = await campaign.ConfigureAsync(new CampaignSettings { AccountIds = [Seat("b")], Steps = steps });
        Assert.Equal([Seat("b")], shrunk.AccountIds);
        await campaign.AddProspectsAsync([new ProspectInput("new1", null), new ProspectInput("new2", null)]);
        await Scenario.AdvanceAsync(TimeSpan.FromMinutes(31));
        await Scenario.DrainAsync(campaign);

        var held = await ProspectsAsync(campaign, new ProspectQuery { Reason = Reason.AccountRemovedFromPool, Limit = 50 });
        Assert.Equal(seats.Where(s => s.Value == Seat("a")).Select(s => s.Key).Order(), held.Select(p => p.Id).Order());
        Assert.All(held, p => Assert.Equal((ProspectStatus.Waiting, Seat("a")), (p.Status, p.AccountId)));
        // New prospects and b's own went through b; a sent nothing more.
        Assert.Equal((2, 0), (Delivered("a", ActionType.Invite), Delivered("a", ActionType.Message)));
        Assert.Equal(Seat("b"), (await campaign.GetProspectAsync("new1"))?.AccountId);

        await campaign.ConfigureAsync(new CampaignSettings { AccountIds = [Seat("b"), Seat("a")], Steps = steps });
        await Scenario.DrainAsync(campaign);
        Assert.Equal(2, Delivered("a", ActionType.Message));
        Assert.Empty(await ProspectsAsync(campaign, new ProspectQuery { Reason = Reason.AccountRemovedFromPool }));
    }

    [Fact]
    public async Task AnOfferStoredBeforeACrash_GoesToTheSameSeatAgain_WhichReplaysItsSend_SoNoOtherSeatSendsItTwice()
    {
        await CreateAccountAsync("a");
        await CreateAccountAsync("b");
        // The campaign offered p1 to b and b sent it; the campaign died before it recorded b's answer. Stored:
        // the offer (written before any offer goes), the prospect still unbound at step 1.
        var sent = await Account("b").DispatchAsync(new DispatchCommand { CampaignId = "crashed", ProspectId = "p1", Step = 0, Action = ActionType.Invite });
        Assert.Equal(DispatchStatus.Sent, sent.Status);
        var stored = new OrleansBreaker.Campaigns.CampaignState
        {
            Exists = true, AccountId = Seat("a"), Pool = [Seat("a"), Seat("b")], Active = true,
            Steps = [new StepDefinition(ActionType.Invite)],
            Offers = [new OrleansBreaker.Campaigns.SeatOffer("p1", 0, Seat("b"))],
        };
        await TestWorld.Prospects.Inner.AddAsync(new OrleansBreaker.Campaigns.CampaignKey(_ws, "crashed"),
            [OrleansBreaker.Campaigns.ProspectMachine.Enrol(new ProspectInput("p1", null), stored.Steps, TestWorld.Time.GetUtcNow())]);
        var silo = (Orleans.TestingHost.InProcessSiloHandle)fixture.Cluster.Primary!;
        var storage = Microsoft.Extensions.DependencyInjection.ServiceProviderKeyedServiceExtensions
            .GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(silo.SiloHost.Services, OrleansBreaker.Hosting.StorageNames.GrainStore);
        await storage.WriteStateAsync("campaign", Orleans.Runtime.GrainId.Create("campaign", GrainKeys.Scoped(_ws, "crashed")), new Orleans.GrainState<OrleansBreaker.Campaigns.CampaignState>(stored));

        // a has more room than b (b has sent one): without the stored offer, a would send p1 a second time.
        var campaign = Campaign("crashed");
        await Scenario.DrainAsync(campaign);

        Assert.Equal((0, 1), (Calls("a", ActionType.Invite), Delivered("b", ActionType.Invite)));
        var p1 = await campaign.GetProspectAsync("p1");
        Assert.Equal((ProspectStatus.Done, Seat("b")), (p1!.Status, p1.AccountId));
        Assert.Equal(1, (await campaign.GetViewAsync()).Counters.Sent);
    }

    [Fact]
    public async Task APoolCampaign_IsListedOnEveryPoolAccount_AndItsProspectsFilterByTheirSeat()
    {
        await CreateAccountAsync("a");
        await CreateAccountAsync("b");
        var campaign = await CreateCampaignAsync("listed", ["a", "b"], [new(ActionType.Invite)], 4);
        await Scenario.DrainAsync(campaign);

        var workspace = fixture.Grains.GetGrain<IWorkspaceGrain>(_ws);
        Assert.Contains("listed", (await workspace.GetCampaignsOfAsync(Seat("a"))).Campaigns);
        Assert.Contains("listed", (await workspace.GetCampaignsOfAsync(Seat("b"))).Campaigns);
        var ofA = await ProspectsAsync(campaign, new ProspectQuery { AccountId = Seat("a"), Limit = 50 });
        Assert.Equal(Delivered("a", ActionType.Invite), ofA.Count);
        Assert.All(ofA, p => Assert.Equal(Seat("a"), p.AccountId));
    }
}
