using OrleansBreaker.Campaigns;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.Campaigns;

/// <summary>
/// The behaviour every <see cref="IProspectStore"/> must have. Each implementation runs the same tests
/// through a subclass (memory: a store per test; PostgreSQL: a database per test class). Campaign keys
/// are unique per test. The due index of campaigns is shared by the whole store, so each test works in a
/// window of time of its own, earlier than every test constructed before it: what an earlier test left
/// in the index is never due for a later one. Times are whole seconds, which every store keeps exactly.
/// </summary>
public abstract class ProspectStoreContractTests
{
    private static readonly DateTimeOffset Latest = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private static int _windows;

    /// <summary>The start of this test's window of time (a window is 10 days; tests use the first of them).</summary>
    protected readonly DateTimeOffset T0 = Latest.AddDays(-10 * Interlocked.Increment(ref _windows));

    protected readonly CampaignKey Campaign = new(Unique("ws"), Unique("cmp"));

    protected abstract IProspectStore Store { get; }

    // ------------------------------------------------------------------------------------------
    // Add and get
    // ------------------------------------------------------------------------------------------

    [Fact]
    public async Task Add_StoresEveryField_AndGetReturnsTheRecordAsAdded()
    {
        var full = new ProspectRecord
        {
            Id = "p-full",
            ProfileUrl = "https://www.linkedin.com/in/full",
            StepIndex = 2,
            Status = ProspectStatus.Waiting,
            Reason = Reason.InMailCreditsExhausted,
            ResumeAt = T0.AddDays(3),
            WakeAt = T0.AddHours(1),
            Attempts = 4,
            SkippedTrip = T0.AddMinutes(-5),
            SkippedStep = 1,
            Accepted = true,
            Replied = true,
            Version = 7,
            AccountId = "acc-1",
        };
        var sparse = new ProspectRecord { Id = "p-sparse" };

        var added = await Store.AddAsync(Campaign, [full, sparse]);

        Assert.Equal(["p-full", "p-sparse"], added);
        Assert.Equal(full, await Store.GetAsync(Campaign, "p-full"));
        Assert.Equal(sparse, await Store.GetAsync(Campaign, "p-sparse"));
    }

    [Fact]
    public async Task Add_ReturnsTheNewIdsInTheOrderGiven()
    {
        var added = await Store.AddAsync(Campaign, [Open("c", T0), Open("a", T0), Open("b", T0)]);

        Assert.Equal(["c", "a", "b"], added);
    }

    [Fact]
    public async Task Add_ProspectsAlreadyStored_AreNotEnrolledAgain_AndStayExactlyAsTheyAre()
    {
        await Store.AddAsync(Campaign, [Open("p1", T0), Open("p2", T0)]);
        var moved = Next(Open("p1", T0)) with { StepIndex = 1, Status = ProspectStatus.Waiting, Reason = Reason.StepDelay, WakeAt = T0.AddDays(1), AccountId = "acc-1" };
        Assert.Empty(await Store.UpdateAsync(Campaign, [moved]));

        var added = await Store.AddAsync(Campaign, [Open("p1", T0.AddHours(5)) with { ProfileUrl = "https://other" }, Open("p3", T0), Open("p2", T0.AddHours(5))]);

        Assert.Equal(["p3"], added);
        Assert.Equal(moved, await Store.GetAsync(Campaign, "p1"));
        Assert.Equal(Open("p2", T0), await Store.GetAsync(Campaign, "p2"));
    }

    [Fact]
    public async Task Add_RepeatedIdsInOneCall_EnrolOnce_TheFirstWins()
    {
        var first = Open("p1", T0) with { ProfileUrl = "https://first" };

        var added = await Store.AddAsync(Campaign, [first, Open("p2", T0), Open("p1", T0.AddHours(1)) with { ProfileUrl = "https://second" }]);

        Assert.Equal(["p1", "p2"], added);
        Assert.Equal(first, await Store.GetAsync(Campaign, "p1"));
        Assert.Equal([first, Open("p2", T0)], await Store.ListAsync(Campaign, new ProspectFilter(), null, 10));
    }

    [Fact]
    public async Task Add_NothingGiven_AddsNothing()
    {
        Assert.Empty(await Store.AddAsync(Campaign, []));
        Assert.Empty(await Store.ListAsync(Campaign, new ProspectFilter(), null, 10));
    }

    [Fact]
    public async Task Get_AnUnknownProspectOrCampaign_IsNull()
    {
        await Store.AddAsync(Campaign, [Open("p1", T0)]);

        Assert.Null(await Store.GetAsync(Campaign, "p2"));
        Assert.Null(await Store.GetAsync(Campaign with { CampaignId = Unique("cmp") }, "p1"));
    }

    // ------------------------------------------------------------------------------------------
    // The due read and the next wake
    // ------------------------------------------------------------------------------------------

    [Fact]
    public async Task ReadDue_ReturnsOpenProspectsDueByNow_EarliestFirst_TiesInOrdinalIdOrder()
    {
        // Ordinal order: upper case before lower case, a prefix before what extends it.
        await Store.AddAsync(Campaign,
        [
            Open("b", T0.AddMinutes(1)), Open("a1", T0), Open("a", T0), Open("B", T0), Open("_", T0.AddMinutes(2)),
            Open("later", T0.AddMinutes(3)),
            Closed("done", ProspectStatus.Done), Closed("unknown", ProspectStatus.Unknown),
        ]);

        var due = await Store.ReadDueAsync(Campaign, T0.AddMinutes(2), 100);

        Assert.Equal(["B", "a", "a1", "b", "_"], due.Select(p => p.Id));
        Assert.Equal(Open("a", T0), due[1]);
    }

    [Fact]
    public async Task ReadDue_IncludesAProspectDueExactlyNow()
    {
        await Store.AddAsync(Campaign, [Open("now", T0), Open("after", T0.AddSeconds(1))]);

        Assert.Equal(["now"], (await Store.ReadDueAsync(Campaign, T0, 10)).Select(p => p.Id));
    }

    [Fact]
    public async Task ReadDue_ReturnsAtMostTheLimit_TheEarliest()
    {
        await Store.AddAsync(Campaign, [.. Enumerable.Range(0, 10).Select(i => Open($"p{i}", T0.AddSeconds(-i)))]);

        var due = await Store.ReadDueAsync(Campaign, T0, 3);

        Assert.Equal(["p9", "p8", "p7"], due.Select(p => p.Id));
        Assert.Empty(await Store.ReadDueAsync(Campaign, T0, 0));
    }

    [Fact]
    public async Task ReadDue_PassesOverProspectsOfSkippedAccounts_SoTheLimitHoldsTheOthers_AndUnboundOnesAlwaysCount()
    {
        // Ten due prospects of a paced seat first, then one of another seat and one not bound yet.
        await Store.AddAsync(Campaign, [
            .. Enumerable.Range(0, 10).Select(i => Open($"a{i}", T0.AddSeconds(-20 + i)) with { AccountId = "paced" }),
            Open("b", T0.AddSeconds(-5)) with { AccountId = "free" },
            Open("u", T0.AddSeconds(-4)),
        ]);

        Assert.Equal(["a0", "a1", "a2"], (await Store.ReadDueAsync(Campaign, T0, 3)).Select(p => p.Id));
        Assert.Equal(["b", "u"], (await Store.ReadDueAsync(Campaign, T0, 3, ["paced"])).Select(p => p.Id));
        Assert.Equal(["u"], (await Store.ReadDueAsync(Campaign, T0, 3, ["paced", "free"])).Select(p => p.Id));
        Assert.Equal(3, (await Store.ReadDueAsync(Campaign, T0, 3, [])).Count);
    }

    [Fact]
    public async Task ReadDue_FollowsUpdates_AClosedProspectLeaves_AMovedOneMoves()
    {
        await Store.AddAsync(Campaign, [Open("p1", T0), Open("p2", T0.AddSeconds(1)), Open("p3", T0.AddSeconds(2))]);

        Assert.Empty(await Store.UpdateAsync(Campaign,
        [
            Next(Open("p1", T0)) with { Status = ProspectStatus.Done, WakeAt = null },
            Next(Open("p2", T0.AddSeconds(1))) with { WakeAt = T0.AddSeconds(3) },
        ]));

        Assert.Equal(["p3", "p2"], (await Store.ReadDueAsync(Campaign, T0.AddSeconds(10), 10)).Select(p => p.Id));
    }

    [Fact]
    public async Task NextWake_IsTheEarliestWakeOfAnOpenProspect_AndNullWhenNoneIsOpen()
    {
        Assert.Null(await Store.NextWakeAsync(Campaign));
        await Store.AddAsync(Campaign, [Open("p1", T0.AddHours(2)), Open("p2", T0.AddHours(1)), Closed("p3", ProspectStatus.Done)]);

        Assert.Equal(T0.AddHours(1), await Store.NextWakeAsync(Campaign));

        Assert.Empty(await Store.UpdateAsync(Campaign, [Next(Open("p2", T0.AddHours(1))) with { Status = ProspectStatus.Failed, WakeAt = null }]));
        Assert.Equal(T0.AddHours(2), await Store.NextWakeAsync(Campaign));

        Assert.Empty(await Store.UpdateAsync(Campaign, [Next(Open("p1", T0.AddHours(2))) with { Status = ProspectStatus.Done, WakeAt = null }]));
        Assert.Null(await Store.NextWakeAsync(Campaign));
    }

    // ------------------------------------------------------------------------------------------
    // Compare-and-set updates
    // ------------------------------------------------------------------------------------------

    [Fact]
    public async Task Update_WritesEachRecordOverTheVersionBeforeIt_AndRefusesStaleAndMissingOnes_WritingTheOthers()
    {
        await Store.AddAsync(Campaign, [Open("p1", T0), Open("p2", T0), Open("p3", T0)]);
        var p1 = Next(Open("p1", T0)) with { StepIndex = 1, Reason = Reason.StepDelay, AccountId = "acc-1" };
        var staleP2 = Open("p2", T0) with { Version = 3, Attempts = 9 };   // stored at 1, not 2
        var sameP3 = Open("p3", T0) with { Attempts = 9 };                  // version 1 over version 1
        var missing = Next(Open("p9", T0));
        var p3Later = Next(Open("p3", T0)) with { Attempts = 1 };

        var refused = await Store.UpdateAsync(Campaign, [p1, staleP2, missing, sameP3]);
        var refusedLater = await Store.UpdateAsync(Campaign, [p3Later]);

        Assert.Equal(["p2", "p9", "p3"], refused);
        Assert.Empty(refusedLater);
        Assert.Equal(p1, await Store.GetAsync(Campaign, "p1"));
        Assert.Equal(Open("p2", T0), await Store.GetAsync(Campaign, "p2"));
        Assert.Equal(p3Later, await Store.GetAsync(Campaign, "p3"));
        Assert.Null(await Store.GetAsync(Campaign, "p9"));
    }

    [Fact]
    public async Task Update_TheSameChangeTwice_IsWrittenOnce_TheReplayRefused()
    {
        await Store.AddAsync(Campaign, [Open("p1", T0)]);
        var v2 = Next(Open("p1", T0)) with { Attempts = 1 };

        Assert.Empty(await Store.UpdateAsync(Campaign, [v2]));
        Assert.Equal(["p1"], await Store.UpdateAsync(Campaign, [v2 with { Attempts = 2 }]));
        Assert.Equal(v2, await Store.GetAsync(Campaign, "p1"));
    }

    [Fact]
    public async Task Update_NothingGiven_RefusesNothing()
    {
        Assert.Empty(await Store.UpdateAsync(Campaign, []));
    }

    [Fact]
    public async Task Update_TwoWritersOfOneProspectAtOnce_ExactlyOneWins_AndItsRecordIsStored()
    {
        const int rounds = 20;
        await Store.AddAsync(Campaign, [Open("p1", T0)]);
        var current = Open("p1", T0);

        for (var round = 0; round < rounds; round++)
        {
            var mine = Next(current) with { Attempts = 2 * round, AccountId = "writer-a" };
            var theirs = Next(current) with { Attempts = 2 * round + 1, AccountId = "writer-b" };
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var a = Task.Run(async () => { await start.Task; return await Store.UpdateAsync(Campaign, [mine]); });
            var b = Task.Run(async () => { await start.Task; return await Store.UpdateAsync(Campaign, [theirs]); });
            start.SetResult();
            var (refusedA, refusedB) = (await a, await b);

            Assert.True(refusedA.Count + refusedB.Count == 1, $"round {round}: refused {refusedA.Count} and {refusedB.Count}");
            var winner = refusedA.Count == 0 ? mine : theirs;
            Assert.Equal(winner, await Store.GetAsync(Campaign, "p1"));
            current = winner;
        }
        Assert.Equal(1 + rounds, current.Version);
    }

    [Fact]
    public async Task Update_ManyWritersOfManyProspectsAtOnce_EachProspectMovesOncePerVersion()
    {
        const int prospects = 40, writers = 4;
        await Store.AddAsync(Campaign, [.. Enumerable.Range(0, prospects).Select(i => Open($"p{i:D2}", T0))]);

        // Every writer tries to move every prospect from version 1 to 2, each with its own mark.
        var results = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => Store.UpdateAsync(Campaign,
            [.. Enumerable.Range(0, prospects).Select(i => Next(Open($"p{i:D2}", T0)) with { AccountId = $"writer-{w}" })]))));

        var stored = await Store.ListAsync(Campaign, new ProspectFilter(), null, 100);
        Assert.Equal(prospects * (writers - 1), results.Sum(r => r.Count));
        Assert.All(stored, p => Assert.Equal(2, p.Version));
        // The writer whose mark a prospect carries is the one writer not refused for it.
        Assert.All(stored, p => Assert.DoesNotContain(p.Id, results[int.Parse(p.AccountId!["writer-".Length..])]));
    }

    // ------------------------------------------------------------------------------------------
    // The prospects list
    // ------------------------------------------------------------------------------------------

    [Fact]
    public async Task List_PagesThroughEveryProspect_InOrdinalIdOrder()
    {
        var ids = Enumerable.Range(0, 25).Select(i => $"p{i}").Concat(["A", "Z", "a", "_", "p1x"]).ToList();
        await Store.AddAsync(Campaign, [.. ids.Select(id => Open(id, T0))]);

        var paged = await PageAllAsync(new ProspectFilter(), pageSize: 7);

        Assert.Equal(ids.Order(StringComparer.Ordinal), paged.Select(p => p.Id));
        Assert.Empty(await Store.ListAsync(Campaign, new ProspectFilter(), paged[^1].Id, 7));
        Assert.Equal(["p1x", "p2"], (await Store.ListAsync(Campaign, new ProspectFilter(), "p19", 2)).Select(p => p.Id));
        Assert.Empty(await Store.ListAsync(Campaign, new ProspectFilter(), null, 0));
    }

    public static TheoryData<string> Filters => [.. FilterCases.Keys];

    private static readonly Dictionary<string, ProspectFilter> FilterCases = new()
    {
        ["none"] = new ProspectFilter(),
        ["status Waiting"] = new ProspectFilter { Status = ProspectStatus.Waiting },
        ["status Failed"] = new ProspectFilter { Status = ProspectStatus.Failed },
        ["status Unknown, none stored"] = new ProspectFilter { Status = ProspectStatus.Unknown },
        ["reasons empty means any"] = new ProspectFilter { Reasons = [] },
        ["reason CapReached"] = new ProspectFilter { Reasons = [Reason.CapReached] },
        ["reason None"] = new ProspectFilter { Reasons = [Reason.None] },
        ["reasons InMail or StepDelay"] = new ProspectFilter { Reasons = [Reason.InMailCreditsExhausted, Reason.StepDelay] },
        ["reasons None or CapReached, repeated"] = new ProspectFilter { Reasons = [Reason.None, Reason.CapReached, Reason.None] },
        ["steps 0 and 2"] = new ProspectFilter { Steps = [0, 2] },
        ["steps none"] = new ProspectFilter { Steps = [] },
        ["open"] = new ProspectFilter { Open = true },
        ["closed"] = new ProspectFilter { Open = false },
        ["account acc-1"] = new ProspectFilter { AccountId = "acc-1" },
        ["not bound yet"] = new ProspectFilter { Bound = false },
        ["bound"] = new ProspectFilter { Bound = true },
        ["not bound yet, waiting for InMail on step 1"] = new ProspectFilter { Bound = false, Status = ProspectStatus.Waiting, Reasons = [Reason.InMailCreditsExhausted, Reason.CapReached], Steps = [1] },
        ["status Waiting, reason CapReached"] = new ProspectFilter { Status = ProspectStatus.Waiting, Reasons = [Reason.CapReached] },
        ["status Waiting, reasons InMail or CapReached"] = new ProspectFilter { Status = ProspectStatus.Waiting, Reasons = [Reason.InMailCreditsExhausted, Reason.CapReached] },
        ["status Failed, reason None"] = new ProspectFilter { Status = ProspectStatus.Failed, Reasons = [Reason.None] },
        ["status Due, step 1"] = new ProspectFilter { Status = ProspectStatus.Due, Steps = [1] },
        ["reason StepDelay, account acc-2"] = new ProspectFilter { Reasons = [Reason.StepDelay], AccountId = "acc-2" },
        ["open, account acc-0, steps 1 and 2"] = new ProspectFilter { Open = true, AccountId = "acc-0", Steps = [1, 2] },
        ["every filter"] = new ProspectFilter { Status = ProspectStatus.Waiting, Reasons = [Reason.CapReached, Reason.StepDelay], Steps = [0, 1], Open = true, AccountId = "acc-1" },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task List_WithAFilter_PagesThroughExactlyTheMatchingProspects_InIdOrder(string filterName)
    {
        var filter = FilterCases[filterName];
        var all = Mixed(90);
        await Store.AddAsync(Campaign, all);

        var paged = await PageAllAsync(filter, pageSize: 4);

        var expected = all.Where(p => Expected(p, filter)).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, paged);
        Assert.True(filterName.Contains("none stored") || filterName == "steps none" || expected.Count > 0, "the mix must hold matches for this filter");
    }

    [Fact]
    public async Task List_FollowsUpdates()
    {
        await Store.AddAsync(Campaign, [Open("p1", T0), Open("p2", T0)]);
        Assert.Empty(await Store.UpdateAsync(Campaign, [Next(Open("p2", T0)) with { Status = ProspectStatus.Waiting, Reason = Reason.CapReached }]));

        var waiting = await Store.ListAsync(Campaign, new ProspectFilter { Status = ProspectStatus.Waiting }, null, 10);
        var due = await Store.ListAsync(Campaign, new ProspectFilter { Status = ProspectStatus.Due }, null, 10);

        Assert.Equal(["p2"], waiting.Select(p => p.Id));
        Assert.Equal(["p1"], due.Select(p => p.Id));
    }

    // ------------------------------------------------------------------------------------------
    // Counts and resume times
    // ------------------------------------------------------------------------------------------

    [Fact]
    public async Task Count_TellsHowManyStandOnEachStepWithEachStatus_OnlyNonZero()
    {
        var all = Mixed(90);
        await Store.AddAsync(Campaign, all);

        var counts = await Store.CountAsync(Campaign);

        var expected = all.GroupBy(p => (p.StepIndex, p.Status)).Select(g => new StepStatusCount(g.Key.StepIndex, g.Key.Status, g.Count()));
        Assert.Equal(expected.OrderBy(c => c.Step).ThenBy(c => c.Status), counts.OrderBy(c => c.Step).ThenBy(c => c.Status));
        Assert.All(counts, c => Assert.True(c.Count > 0));
        Assert.Empty(await Store.CountAsync(Campaign with { CampaignId = Unique("cmp") }));
    }

    [Fact]
    public async Task CountBySeat_TellsHowManyEachAccountHoldsWithEachStatusAndReason_UnboundAsNull_OnlyNonZero()
    {
        var all = Mixed(90);
        await Store.AddAsync(Campaign, all);

        var counts = await Store.CountBySeatAsync(Campaign);

        var expected = all.GroupBy(p => (p.AccountId, p.Status, p.Reason)).Select(g => new SeatReasonCount(g.Key.AccountId, g.Key.Status, g.Key.Reason, g.Count()));
        static string Order(SeatReasonCount c) => $"{c.AccountId ?? "~"}/{c.Status}/{c.Reason}";
        Assert.Equal(expected.OrderBy(Order, StringComparer.Ordinal), counts.OrderBy(Order, StringComparer.Ordinal));
        Assert.Contains(counts, c => c.AccountId is null);
        Assert.Contains(counts, c => c.AccountId is not null && c.Status == ProspectStatus.Waiting);
        Assert.Empty(await Store.CountBySeatAsync(Campaign with { CampaignId = Unique("cmp") }));
    }

    [Fact]
    public async Task EarliestResume_PerStep_IsTheEarliestResumeOfItsWaitingProspects()
    {
        await Store.AddAsync(Campaign,
        [
            Waiting("s0-late", 0, T0.AddHours(5)),
            Waiting("s0-early", 0, T0.AddHours(2)),
            Waiting("s2", 2, T0.AddHours(7)),
            // Not Waiting: its resume time is not a wait on the step.
            Open("s0-due", T0) with { ResumeAt = T0.AddHours(1) },
            Closed("s1-failed", ProspectStatus.Failed) with { StepIndex = 1, ResumeAt = T0.AddHours(1) },
            // Waiting on a notification only: no resume time.
            Waiting("s1-no-resume", 1, null),
            // Beyond the steps asked about.
            Waiting("s3", 3, T0.AddHours(1)),
        ]);

        var earliest = await Store.EarliestResumeAsync(Campaign, stepCount: 3);

        Assert.Equal(new Dictionary<int, DateTimeOffset> { [0] = T0.AddHours(2), [2] = T0.AddHours(7) }, earliest);
        Assert.Empty(await Store.EarliestResumeAsync(Campaign, stepCount: 0));
    }

    [Fact]
    public async Task EarliestResume_FollowsUpdates()
    {
        await Store.AddAsync(Campaign, [Waiting("a", 0, T0.AddHours(2)), Waiting("b", 0, T0.AddHours(3))]);

        Assert.Empty(await Store.UpdateAsync(Campaign, [Next(Waiting("a", 0, T0.AddHours(2))) with { StepIndex = 1 }]));

        Assert.Equal(new Dictionary<int, DateTimeOffset> { [0] = T0.AddHours(3), [1] = T0.AddHours(2) }, await Store.EarliestResumeAsync(Campaign, 2));
    }

    // ------------------------------------------------------------------------------------------
    // The due index of campaigns
    // ------------------------------------------------------------------------------------------

    [Fact]
    public async Task Schedule_SetsReplacesAndRemovesTheCampaignsEntry()
    {
        Assert.Null(await Store.GetScheduleAsync(Campaign));

        await Store.ScheduleAsync(Campaign, T0.AddMinutes(5), "silo-a");
        Assert.Equal((T0.AddMinutes(5), "silo-a"), await Store.GetScheduleAsync(Campaign));

        await Store.ScheduleAsync(Campaign, T0.AddMinutes(1), null);
        Assert.Equal((T0.AddMinutes(1), (string?)null), await Store.GetScheduleAsync(Campaign));

        await Store.ScheduleAsync(Campaign, null, "silo-a");
        Assert.Null(await Store.GetScheduleAsync(Campaign));
        await Store.ScheduleAsync(Campaign, null, null);  // removing what is not there is no error
        Assert.Null(await Store.GetScheduleAsync(Campaign));
    }

    [Fact]
    public async Task Claim_TakesTheDueCampaignsNoLiveSiloKeeps_EarliestFirst_AndMovesEachToTheRetryTime()
    {
        var nobody = Other("nobody");
        var dead = Other("dead");
        var live = Other("live");
        var later = Other("later");
        var dueNow = Other("due-now");
        await Store.ScheduleAsync(nobody, T0.AddMinutes(2), null);
        await Store.ScheduleAsync(dead, T0.AddMinutes(1), "silo-dead");
        await Store.ScheduleAsync(live, T0, "silo-live");
        await Store.ScheduleAsync(later, T0.AddMinutes(11), null);
        await Store.ScheduleAsync(dueNow, T0.AddMinutes(10), "silo-dead");
        var retryAt = T0.AddHours(1);

        var claimed = await Store.ClaimDueAsync(T0.AddMinutes(10), retryAt, ["silo-live", "silo-other"], 10);

        Assert.Equal([dead, nobody, dueNow], claimed);
        Assert.Equal((retryAt, (string?)null), await Store.GetScheduleAsync(dead));
        Assert.Equal((retryAt, (string?)null), await Store.GetScheduleAsync(nobody));
        Assert.Equal((T0, "silo-live"), await Store.GetScheduleAsync(live));
        Assert.Equal((T0.AddMinutes(11), (string?)null), await Store.GetScheduleAsync(later));
        // Claimed once: until the retry time, nobody claims them again.
        Assert.Empty(await Store.ClaimDueAsync(T0.AddMinutes(10), retryAt, ["silo-live"], 10));
        // A wake-up lost on the way is retried at the retry time (after the entry due before it).
        var retried = await Store.ClaimDueAsync(retryAt, retryAt.AddHours(1), ["silo-live"], 10);
        Assert.Equal(later, retried[0]);
        Assert.Equal(new HashSet<CampaignKey> { dead, nobody, dueNow }, retried.Skip(1).ToHashSet());
        Assert.Equal(4, retried.Count);
    }

    [Fact]
    public async Task Claim_OnceTheOwnerIsNotLive_ItsCampaignIsClaimed()
    {
        await Store.ScheduleAsync(Campaign, T0, "silo-a");

        Assert.Empty(await Store.ClaimDueAsync(T0, T0.AddHours(1), ["silo-a", "silo-b"], 10));
        Assert.Equal([Campaign], await Store.ClaimDueAsync(T0, T0.AddHours(1), ["silo-b"], 10));
    }

    [Fact]
    public async Task Claim_TakesAtMostTheLimit_TheEarliest()
    {
        var keys = Enumerable.Range(0, 6).Select(i => Other($"c{i}")).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            await Store.ScheduleAsync(keys[i], T0.AddSeconds(-i), null);
        }

        var first = await Store.ClaimDueAsync(T0, T0.AddHours(1), [], 4);
        var rest = await Store.ClaimDueAsync(T0, T0.AddHours(1), [], 4);

        Assert.Equal([keys[5], keys[4], keys[3], keys[2]], first);
        Assert.Equal([keys[1], keys[0]], rest);
        Assert.Empty(await Store.ClaimDueAsync(T0, T0.AddHours(1), [], 0));
    }

    [Fact]
    public async Task Claim_ConcurrentClaimers_NeverClaimOneCampaignTwice_AndTogetherClaimEveryDueOne()
    {
        const int campaigns = 150, claimers = 4;
        var keys = Enumerable.Range(0, campaigns).Select(i => Other($"c{i:D3}")).ToList();
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            await Store.ScheduleAsync(key, T0.AddSeconds(i % 17), i % 3 == 0 ? "silo-dead" : null);
        }
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Enumerable.Range(0, claimers).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            var mine = new List<CampaignKey>();
            // Bounded: each round claims at least one while any is left, and there are 150.
            for (var round = 0; round < campaigns; round++)
            {
                var claimed = await Store.ClaimDueAsync(T0.AddMinutes(1), T0.AddHours(1), ["silo-live"], 5);
                if (claimed.Count == 0)
                {
                    break;
                }
                mine.AddRange(claimed);
            }
            return mine;
        })).ToList();

        start.SetResult();
        var claims = await Task.WhenAll(running);

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(keys.ToHashSet(), all.ToHashSet());
    }

    // ------------------------------------------------------------------------------------------
    // Campaigns and workspaces apart
    // ------------------------------------------------------------------------------------------

    [Fact]
    public async Task CampaignsAndWorkspaces_NeverSeeEachOthersProspectsOrEntries()
    {
        var sibling = Campaign with { CampaignId = Unique("cmp") };             // same workspace
        var twin = Campaign with { WorkspaceId = Unique("ws") };               // same campaign id, other workspace
        foreach (var key in new[] { Campaign, sibling, twin })
        {
            await Store.AddAsync(key, [Open("p1", T0), Waiting("p2", 0, T0.AddHours(1))]);
        }
        var moved = Next(Open("p1", T0)) with { Status = ProspectStatus.Done, WakeAt = null };
        Assert.Empty(await Store.UpdateAsync(Campaign, [moved]));
        Assert.Equal(["p3"], await Store.AddAsync(Campaign, [Open("p3", T0), Open("p1", T0)]));
        await Store.ScheduleAsync(Campaign, T0.AddMinutes(3), "silo-a");

        foreach (var other in new[] { sibling, twin })
        {
            Assert.Equal(Open("p1", T0), await Store.GetAsync(other, "p1"));
            Assert.Null(await Store.GetAsync(other, "p3"));
            Assert.Equal(["p1"], (await Store.ReadDueAsync(other, T0, 10)).Select(p => p.Id));
            Assert.Equal(T0, await Store.NextWakeAsync(other));
            Assert.Equal(["p1", "p2"], (await Store.ListAsync(other, new ProspectFilter(), null, 10)).Select(p => p.Id));
            Assert.Equal(
                [new StepStatusCount(0, ProspectStatus.Due, 1), new StepStatusCount(0, ProspectStatus.Waiting, 1)],
                (await Store.CountAsync(other)).OrderBy(c => c.Status));
            Assert.Equal(new Dictionary<int, DateTimeOffset> { [0] = T0.AddHours(1) }, await Store.EarliestResumeAsync(other, 1));
            Assert.Null(await Store.GetScheduleAsync(other));
            // A write aimed at the other campaign with this campaign's version refuses, and changes nothing here.
            Assert.Equal(["p3"], await Store.UpdateAsync(other, [Next(Open("p3", T0))]));
        }
        Assert.Equal(moved, await Store.GetAsync(Campaign, "p1"));
        Assert.Equal(["p3"], (await Store.ReadDueAsync(Campaign, T0, 10)).Select(p => p.Id));
        Assert.Equal((T0.AddMinutes(3), "silo-a"), await Store.GetScheduleAsync(Campaign));
    }

    // ------------------------------------------------------------------------------------------

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected CampaignKey Other(string name) => new(Campaign.WorkspaceId, $"{Campaign.CampaignId}-{name}");

    /// <summary>An enrolled prospect due at <paramref name="wakeAt"/>.</summary>
    protected static ProspectRecord Open(string id, DateTimeOffset wakeAt) =>
        new() { Id = id, ProfileUrl = $"https://www.linkedin.com/in/{id}", Status = ProspectStatus.Due, WakeAt = wakeAt };

    protected static ProspectRecord Closed(string id, ProspectStatus status) =>
        new() { Id = id, ProfileUrl = $"https://www.linkedin.com/in/{id}", Status = status, WakeAt = null };

    protected ProspectRecord Waiting(string id, int step, DateTimeOffset? resumeAt) => new()
    {
        Id = id, StepIndex = step, Status = ProspectStatus.Waiting, Reason = Reason.InMailCreditsExhausted,
        ResumeAt = resumeAt, WakeAt = resumeAt ?? T0.AddDays(1),
    };

    /// <summary>The record's next version, as the campaign grain makes it.</summary>
    protected static ProspectRecord Next(ProspectRecord record) => record with { Version = record.Version + 1 };

    /// <summary>
    /// A campaign's worth of varied prospects: every status, a range of reasons, three steps, three
    /// accounts and none, open and closed; ids deliberately not in insertion order.
    /// </summary>
    protected List<ProspectRecord> Mixed(int count)
    {
        Reason[] waitingReasons = [Reason.CapReached, Reason.InMailCreditsExhausted, Reason.StepDelay, Reason.Pacing];
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var status = (i % 9) switch
            {
                0 or 1 or 2 => ProspectStatus.Due,
                3 or 4 or 5 => ProspectStatus.Waiting,
                6 or 7 => ProspectStatus.Done,
                _ => ProspectStatus.Failed,
            };
            var reason = status switch
            {
                ProspectStatus.Waiting => waitingReasons[i / 9 % waitingReasons.Length],
                ProspectStatus.Failed => i % 2 == 0 ? Reason.RecipientUnavailable : Reason.None,
                ProspectStatus.Due => i % 4 == 0 ? Reason.StepDelay : Reason.None,
                _ => Reason.None,
            };
            var open = status is ProspectStatus.Due or ProspectStatus.Waiting;
            return new ProspectRecord
            {
                Id = $"p{(i * 37) % count:D3}{(i % 2 == 0 ? "a" : "B")}",
                ProfileUrl = $"https://www.linkedin.com/in/p{i}",
                StepIndex = i % 3,
                Status = status,
                Reason = reason,
                ResumeAt = status == ProspectStatus.Waiting ? T0.AddMinutes(i) : null,
                WakeAt = open ? T0.AddMinutes(i % 11) : null,
                AccountId = (i % 4) switch { 0 => null, var a => $"acc-{a - 1}" },
                Version = 1 + i % 3,
            };
        })];
    }

    /// <summary>The contract's filter, written out on its own (not the memory store's code).</summary>
    private static bool Expected(ProspectRecord p, ProspectFilter f) =>
        (f.Status is not { } status || p.Status == status)
        && (f.Reasons is not { Count: > 0 } reasons || reasons.Contains(p.Reason))
        && (f.Steps is not { } steps || steps.Contains(p.StepIndex))
        && (f.Open is not { } open || (p.WakeAt is not null) == open)
        && (f.AccountId is not { } account || p.AccountId == account)
        && (f.Bound is not { } bound || (p.AccountId is not null) == bound);

    private async Task<List<ProspectRecord>> PageAllAsync(ProspectFilter filter, int pageSize)
    {
        var all = new List<ProspectRecord>();
        string? after = null;
        // Bounded: no campaign here holds more than 100 prospects.
        for (var page = 0; page < 100; page++)
        {
            var items = await Store.ListAsync(Campaign, filter, after, pageSize);
            Assert.True(items.Count <= pageSize);
            all.AddRange(items);
            if (items.Count < pageSize)
            {
                return all;
            }
            after = items[^1].Id;
        }
        throw new InvalidOperationException("The list did not end.");
    }
}

public sealed class InMemoryProspectStoreTests : ProspectStoreContractTests
{
    protected override IProspectStore Store { get; } = new InMemoryProspectStore();
}

public sealed class PostgresProspectStoreTests(PostgresDatabaseFixture database)
    : ProspectStoreContractTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override IProspectStore Store { get; } = new PostgresProspectStore(database.DataSource);

    [Fact]
    public async Task Times_AreReturnedAsStored_InUtcToTheMicrosecond()
    {
        var at = new DateTimeOffset(2026, 3, 2, 14, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var stored = at.ToUniversalTime().AddTicks(-7);
        await Store.AddAsync(Campaign, [Open("p1", at) with { ResumeAt = at, SkippedTrip = at }]);

        var read = await Store.GetAsync(Campaign, "p1");

        Assert.Equal((stored, stored, stored), (read!.WakeAt!.Value, read.ResumeAt!.Value, read.SkippedTrip!.Value));
        Assert.Equal(TimeSpan.Zero, read.WakeAt.Value.Offset);
        Assert.Equal([read], await Store.ReadDueAsync(Campaign, stored, 10));
    }

    [Fact]
    public async Task StatusAndReason_AreStoredAsTheEnumsCodes_AndNamedByTheView()
    {
        await Store.AddAsync(Campaign, [Waiting("p1", 0, T0) with { Reason = Reason.CapReached }]);

        await using var command = database.DataSource.CreateCommand("""
            SELECT p.status, p.reason, n.status, n.reason
            FROM breaker_prospects p JOIN breaker_prospects_named n USING (workspace_id, campaign_id, prospect_id)
            WHERE p.workspace_id = @ws AND p.campaign_id = @c
            """);
        command.Parameters.AddWithValue("ws", Campaign.WorkspaceId);
        command.Parameters.AddWithValue("c", Campaign.CampaignId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(((short)1, (short)6, "Waiting", "CapReached"), (reader.GetInt16(0), reader.GetInt16(1), reader.GetString(2), reader.GetString(3)));
    }

    [Fact]
    public async Task AStatusCodeThisBuildDoesNotKnow_IsAnError_NotAnotherStatus()
    {
        await Store.AddAsync(Campaign, [Open("p1", T0)]);
        await using (var command = database.DataSource.CreateCommand("UPDATE breaker_prospects SET status = 42 WHERE workspace_id = @ws AND campaign_id = @c"))
        {
            command.Parameters.AddWithValue("ws", Campaign.WorkspaceId);
            command.Parameters.AddWithValue("c", Campaign.CampaignId);
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.GetAsync(Campaign, "p1"));

        Assert.Contains("breaker_prospects.status holds 42", error.Message);
    }
}
