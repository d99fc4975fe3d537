using Npgsql;
using OrleansBreaker.EventLog;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.EventLog;

/// <summary>
/// The behaviour every <see cref="IEventLog"/> must have. Each implementation runs the same tests
/// through a subclass; ids are unique per test, so a shared store never leaks between tests.
/// Times are whole seconds, which every store keeps exactly.
/// </summary>
public abstract class EventLogContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private readonly string _workspace = Unique("ws");
    private readonly string _campaign = Unique("cmp");
    private readonly string _account = Unique("acc");

    protected abstract IEventLog Log { get; }

    [Fact]
    public async Task Append_AssignsIncreasingSeqInBatchOrder()
    {
        var first = await Log.AppendAsync([Sent(T0), Skipped(T0, Reason.CapReached), Sent(T0.AddSeconds(1))]);
        var second = await Log.AppendAsync([Sent(T0.AddSeconds(2))]);

        var seqs = first.Concat(second).Select(e => e.Seq).ToList();
        Assert.All(seqs, s => Assert.True(s > 0));
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
    }

    [Fact]
    public async Task Append_ReturnsEventsExactlyAsReadersReturnThem()
    {
        var full = new EventRecord
        {
            At = T0,
            Kind = EventKind.Deferred,
            WorkspaceId = _workspace,
            CampaignId = _campaign,
            AccountId = _account,
            ProspectId = "prospect-1",
            Action = ActionType.InMail,
            Reason = Reason.InMailCreditsExhausted,
            Text = "Deferred: InMail (InMailCreditsExhausted) — 'quoted' text",
            ResumeAt = T0.AddDays(3),
            Key = Unique("key"),
            Source = "linkedin-sync",
        };
        var sparse = new EventRecord { At = T0.AddSeconds(1), Kind = EventKind.SafetyModeTripped, WorkspaceId = _workspace, CampaignId = _campaign };

        var appended = await Log.AppendAsync([full, sparse]);
        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery());

        Assert.Equal(full with { Seq = appended[0].Seq }, appended[0]);
        Assert.Equal(sparse with { Seq = appended[1].Seq }, appended[1]);
        Assert.Equal(appended.Reverse(), page.Items);
        Assert.Equal(appended[0], await Log.FindByKeyAsync(_workspace, _account, full.Key));
    }

    [Fact]
    public async Task Append_EmptyBatch_ReturnsNothingAndStoresNothing()
    {
        var appended = await Log.AppendAsync([]);

        Assert.Empty(appended);
        Assert.Empty((await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery())).Items);
    }

    [Fact]
    public async Task Append_BatchBecomesVisibleAllAtOnce()
    {
        const int batchSize = 7;
        var writer = Task.Run(async () =>
        {
            for (var b = 0; b < 25; b++)
            {
                await Log.AppendAsync([.. Enumerable.Range(0, batchSize).Select(i => Sent(T0.AddSeconds(b * batchSize + i)))]);
            }
        });

        var observed = new List<int>();
        while (!writer.IsCompleted)
        {
            observed.Add((await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 500 })).Items.Count);
        }
        await writer;
        observed.Add((await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 500 })).Items.Count);

        Assert.All(observed, count => Assert.Equal(0, count % batchSize));
        Assert.Equal(25 * batchSize, observed[^1]);
    }

    [Fact]
    public async Task Append_ConcurrentBatches_GetDistinctSeqs()
    {
        var batches = await Task.WhenAll(Enumerable.Range(0, 10).Select(b =>
            Task.Run(() => Log.AppendAsync([.. Enumerable.Range(0, 5).Select(i => Sent(T0.AddSeconds(b * 5 + i)))]))));

        Assert.All(batches, batch => Assert.Equal(batch.Select(e => e.Seq).Order(), batch.Select(e => e.Seq)));
        Assert.Equal(50, batches.SelectMany(b => b).Select(e => e.Seq).Distinct().Count());
        var stored = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 500 });
        Assert.Equal(batches.SelectMany(b => b).OrderByDescending(e => e.Seq), stored.Items);
    }

    [Fact]
    public async Task ReadCampaign_ReturnsNewestFirst()
    {
        var appended = await Log.AppendAsync([Sent(T0), Sent(T0.AddMinutes(1))]);
        appended = [.. appended, .. await Log.AppendAsync([Skipped(T0.AddMinutes(2), Reason.Pacing)])];

        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery());

        Assert.Equal(appended.Select(e => e.Seq).Reverse(), page.Items.Select(e => e.Seq));
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task ReadCampaign_FiltersByKind()
    {
        await Log.AppendAsync([Sent(T0), Skipped(T0, Reason.CapReached), Sent(T0.AddSeconds(1)), Failed(T0, Reason.UpstreamError)]);

        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Kind = EventKind.Sent });

        Assert.Equal(2, page.Items.Count);
        Assert.All(page.Items, e => Assert.Equal(EventKind.Sent, e.Kind));
    }

    [Fact]
    public async Task ReadCampaign_FiltersByReason()
    {
        await Log.AppendAsync([Skipped(T0, Reason.CapReached), Skipped(T0, Reason.Pacing), Failed(T0, Reason.CapReached), Sent(T0)]);

        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Reason = Reason.CapReached });

        Assert.Equal([EventKind.Failed, EventKind.Skipped], page.Items.Select(e => e.Kind));
        Assert.All(page.Items, e => Assert.Equal(Reason.CapReached, e.Reason));
    }

    [Fact]
    public async Task ReadCampaign_FiltersByKindAndReasonTogether()
    {
        var appended = await Log.AppendAsync([Skipped(T0, Reason.CapReached), Skipped(T0, Reason.Pacing), Failed(T0, Reason.CapReached)]);

        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Kind = EventKind.Skipped, Reason = Reason.CapReached });

        Assert.Equal([appended[0]], page.Items);
    }

    [Fact]
    public async Task ReadCampaign_FilterWithoutMatches_ReturnsEmptyPage()
    {
        await Log.AppendAsync([Sent(T0)]);

        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Kind = EventKind.BreakerTripped });

        Assert.Empty(page.Items);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task ReadCampaign_PagesThroughEverythingWithoutGapsOrDuplicates()
    {
        var appended = await Log.AppendAsync([.. Enumerable.Range(0, 23).Select(i => Sent(T0.AddSeconds(i)))]);
        // Noise the filter must skip, interleaved with the matching events.
        await Log.AppendAsync([.. Enumerable.Range(0, 5).Select(i => Skipped(T0, Reason.Pacing))]);

        var pages = new List<EventPage>();
        long? before = null;
        do
        {
            var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Kind = EventKind.Sent, Limit = 5, Before = before });
            pages.Add(page);
            before = page.Next;
        }
        while (before is not null && pages.Count < 10);

        Assert.Equal([5, 5, 5, 5, 3], pages.Select(p => p.Items.Count));
        Assert.Equal(appended.Reverse().Select(e => e.Seq), pages.SelectMany(p => p.Items).Select(e => e.Seq));
        Assert.All(pages.SkipLast(1), p => Assert.Equal(p.Items[^1].Seq, p.Next));
        Assert.Null(pages[^1].Next);
    }

    [Fact]
    public async Task ReadCampaign_LastFullPage_HasNoNext()
    {
        await Log.AppendAsync([.. Enumerable.Range(0, 10).Select(i => Sent(T0.AddSeconds(i)))]);

        var first = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 5 });
        var second = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 5, Before = first.Next });

        Assert.NotNull(first.Next);
        Assert.Equal(5, second.Items.Count);
        Assert.Null(second.Next);
    }

    [Fact]
    public async Task ReadCampaign_BeforeIsExclusive()
    {
        var appended = await Log.AppendAsync([Sent(T0), Sent(T0.AddSeconds(1)), Sent(T0.AddSeconds(2))]);

        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Before = appended[2].Seq });

        Assert.Equal([appended[1].Seq, appended[0].Seq], page.Items.Select(e => e.Seq));
    }

    [Fact]
    public async Task ReadCampaign_LimitIsClampedBetween1And500()
    {
        var appended = await Log.AppendAsync([.. Enumerable.Range(0, 501).Select(i => Sent(T0.AddSeconds(i)))]);

        var tooSmall = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 0 });
        var negative = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = -5 });
        var tooLarge = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 10_000 });

        Assert.Equal([appended[^1].Seq], tooSmall.Items.Select(e => e.Seq));
        Assert.Equal(appended[^1].Seq, tooSmall.Next);
        Assert.Single(negative.Items);
        Assert.Equal(500, tooLarge.Items.Count);
        Assert.Equal(appended[1].Seq, tooLarge.Next);
    }

    [Fact]
    public async Task ReadCampaign_IsIsolatedByWorkspaceAndCampaign()
    {
        var otherWorkspace = Unique("ws");
        var otherCampaign = Unique("cmp");
        var mine = await Log.AppendAsync([Sent(T0)]);
        await Log.AppendAsync(
        [
            Sent(T0) with { WorkspaceId = otherWorkspace },   // same campaign id, other workspace
            Sent(T0) with { CampaignId = otherCampaign },     // same workspace, other campaign
            Sent(T0) with { CampaignId = null },              // account-level event
        ]);

        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery());

        Assert.Equal(mine, page.Items);
    }

    [Fact]
    public async Task FindSuccessSince_ReturnsEarliestSentOfThatActionOnThatAccount()
    {
        var since = T0;
        var appended = await Log.AppendAsync(
        [
            Sent(since.AddMinutes(-1)),                                          // before since
            Sent(since.AddMinutes(1)) with { Action = ActionType.Message },      // other action
            Skipped(since.AddMinutes(2), Reason.CapReached),                     // not a success
            Sent(since.AddMinutes(3)) with { AccountId = Unique("acc") },        // other account
            Sent(since.AddMinutes(4)) with { WorkspaceId = Unique("ws") },       // other workspace
            Sent(since.AddMinutes(10)),
            Sent(since.AddMinutes(5)),                                           // appended later, happened earlier
        ]);

        var found = await Log.FindSuccessSinceAsync(_workspace, _account, ActionType.Invite, since);

        Assert.Equal(appended[6], found);
    }

    [Fact]
    public async Task FindSuccessSince_IncludesASuccessExactlyAtSince()
    {
        var appended = await Log.AppendAsync([Sent(T0)]);

        Assert.Equal(appended[0], await Log.FindSuccessSinceAsync(_workspace, _account, ActionType.Invite, T0));
        Assert.Null(await Log.FindSuccessSinceAsync(_workspace, _account, ActionType.Invite, T0.AddSeconds(1)));
    }

    [Fact]
    public async Task FindSuccessSince_WithNoSuccess_ReturnsNull()
    {
        await Log.AppendAsync([Skipped(T0, Reason.Pacing), Failed(T0, Reason.UpstreamError)]);

        Assert.Null(await Log.FindSuccessSinceAsync(_workspace, _account, ActionType.Invite, T0.AddHours(-1)));
    }

    [Fact]
    public async Task ReadBreakerMarksSince_ReturnsTheAccountsTripsAndClearsSinceTheTime_OldestFirst()
    {
        EventRecord Mark(EventKind kind, DateTimeOffset at, ActionType action) => Sent(at) with { Kind = kind, Action = action, Key = null };
        await Log.AppendAsync(
        [
            Mark(EventKind.BreakerTripped, T0.AddMinutes(-1), ActionType.InMail),                  // before since
            Mark(EventKind.BreakerCleared, T0.AddMinutes(5), ActionType.InMail),
            Mark(EventKind.BreakerTripped, T0, ActionType.InMail),                                 // exactly at since
            Mark(EventKind.BreakerTripped, T0.AddMinutes(2), ActionType.Invite) with { AccountId = Unique("acc") },
            Mark(EventKind.BreakerTripped, T0.AddMinutes(2), ActionType.Invite) with { WorkspaceId = Unique("ws") },
            Sent(T0.AddMinutes(3)),
            Skipped(T0.AddMinutes(3), Reason.InMailCreditsExhausted),
            Mark(EventKind.BreakerTripped, T0.AddMinutes(7), ActionType.Invite),
        ]);

        var marks = await Log.ReadBreakerMarksSinceAsync(_workspace, _account, T0);

        Assert.Equal(
            [new BreakerMark(T0, ActionType.InMail, true), new BreakerMark(T0.AddMinutes(5), ActionType.InMail, false), new BreakerMark(T0.AddMinutes(7), ActionType.Invite, true)],
            marks);
    }

    [Fact]
    public async Task CountCampaignSent_CountsTheCampaignsDeliveriesPerUtcDayAndAccount_SinceTheTime()
    {
        var other = Unique("acc");
        var day = DateOnly.FromDateTime(T0.UtcDateTime);
        await Log.AppendAsync(
        [
            Sent(T0.AddDays(-1)),                                                       // before since
            Sent(T0), Sent(T0.AddHours(11).AddMinutes(59)),                             // T0 is noon: both on T0's day
            Sent(T0.AddHours(12)) with { AccountId = other },                           // the next UTC day
            Sent(T0.AddHours(1)) with { AccountId = other },
            Skipped(T0.AddHours(1), Reason.CapReached),
            Sent(T0.AddHours(1)) with { CampaignId = Unique("cmp") },
            Sent(T0.AddHours(1)) with { WorkspaceId = Unique("ws") },
        ]);

        var counts = await Log.CountCampaignSentAsync(Workspace, Campaign, T0);

        Assert.Equal(
            new[] { new DaySentCount(day, _account, 2), new DaySentCount(day, other, 1), new DaySentCount(day.AddDays(1), other, 1) }
                .OrderBy(c => c.Day).ThenBy(c => c.AccountId, StringComparer.Ordinal),
            counts.OrderBy(c => c.Day).ThenBy(c => c.AccountId, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReadDeliveredSince_ReturnsOnlySentActionsOfTheAccountSinceTheTime()
    {
        await Log.AppendAsync(
        [
            Sent(T0.AddMinutes(-1)),                                             // before since
            Sent(T0) with { Action = ActionType.Message },                       // exactly at since
            Skipped(T0.AddMinutes(1), Reason.CapReached),
            Failed(T0.AddMinutes(1), Reason.UpstreamError),
            Sent(T0.AddMinutes(2)) with { AccountId = Unique("acc") },
            Sent(T0.AddMinutes(2)) with { WorkspaceId = Unique("ws") },
            Sent(T0.AddMinutes(3)) with { Action = null },                       // not an action
            Sent(T0.AddMinutes(4)),
        ]);

        var delivered = await Log.ReadDeliveredSinceAsync(_workspace, _account, T0);

        Assert.Equal(
            [new DeliveredAction(ActionType.Message, T0), new DeliveredAction(ActionType.Invite, T0.AddMinutes(4))],
            delivered);
    }

    [Fact]
    public async Task FindByKey_ReturnsTheEventStoredWithTheKeyOnThatAccount()
    {
        var key = Unique("key");
        var appended = await Log.AppendAsync(
        [
            Sent(T0) with { Key = Unique("key") },
            Failed(T0, Reason.UpstreamError) with { Key = key },
        ]);
        await Log.AppendAsync(
        [
            Sent(T0) with { Key = key, AccountId = Unique("acc") },
            Sent(T0) with { Key = key, WorkspaceId = Unique("ws") },
        ]);

        Assert.Equal(appended[1], await Log.FindByKeyAsync(_workspace, _account, key));
    }

    [Fact]
    public async Task Append_AnOutcomeWhoseKeyIsStored_StoresNothingAndReturnsTheStoredEvent()
    {
        var key = Unique("key");
        var first = await Log.AppendAsync([Sent(T0) with { Key = key }]);

        // Appended again, as an outbox does after a lost acknowledgement, alone and inside a batch.
        var again = await Log.AppendAsync([Sent(T0) with { Key = key }]);
        var batch = await Log.AppendAsync([Skipped(T0, Reason.Pacing), Sent(T0) with { Key = key }, Sent(T0.AddSeconds(1))]);

        Assert.Equal(first, again);
        Assert.Equal(first[0], batch[1]);
        Assert.True(batch[0].Seq < batch[2].Seq);
        Assert.All([batch[0], batch[2]], e => Assert.True(e.Seq > first[0].Seq));
        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery());
        Assert.Equal([batch[2], batch[0], first[0]], page.Items);
    }

    [Fact]
    public async Task Append_AKeyAlreadyStoredWithAnotherOutcome_KeepsTheStoredOne()
    {
        var key = Unique("key");
        var unknown = await Log.AppendAsync([Sent(T0) with { Kind = EventKind.Unknown, Reason = Reason.OutcomeUnknown, Key = key }]);

        var sent = await Log.AppendAsync([Sent(T0.AddMinutes(1)) with { Key = key }]);

        Assert.Equal(unknown, sent);
        Assert.Equal(unknown[0], await Log.FindByKeyAsync(_workspace, _account, key));
        Assert.Empty(await Log.ReadDeliveredSinceAsync(_workspace, _account, T0));
    }

    [Fact]
    public async Task Append_TwoEventsWithOneKeyInOneBatch_StoresTheFirst_AndTheOthersKeepTheirOrder()
    {
        var key = Unique("key");

        var appended = await Log.AppendAsync(
        [
            Skipped(T0, Reason.Pacing),
            Sent(T0) with { Key = key },
            Skipped(T0, Reason.CapReached),
            Sent(T0.AddSeconds(5)) with { Key = key, ProspectId = "p-2" },
            Sent(T0) with { Key = Unique("key") },
        ]);

        Assert.Equal(appended[1], appended[3]);
        Assert.Equal("p-1", appended[3].ProspectId);
        var distinct = new[] { appended[0], appended[1], appended[2], appended[4] };
        Assert.Equal(distinct.Select(e => e.Seq).Order(), distinct.Select(e => e.Seq));
        Assert.Equal([Reason.Pacing, Reason.None, Reason.CapReached, Reason.None], distinct.Select(e => e.Reason));
        var page = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery());
        Assert.Equal(distinct.Reverse(), page.Items);
    }

    [Fact]
    public async Task Append_OneKeyOnAnotherAccountOrWorkspace_IsStoredThereToo()
    {
        var key = Unique("key");
        var mine = await Log.AppendAsync([Sent(T0) with { Key = key }]);
        var otherAccount = Unique("acc");
        var otherWorkspace = Unique("ws");

        var theirs = await Log.AppendAsync([Sent(T0) with { Key = key, AccountId = otherAccount }, Sent(T0) with { Key = key, WorkspaceId = otherWorkspace }]);

        Assert.Equal(3, new[] { mine[0].Seq, theirs[0].Seq, theirs[1].Seq }.Distinct().Count());
        Assert.Equal(theirs[0], await Log.FindByKeyAsync(_workspace, otherAccount, key));
        Assert.Equal(theirs[1], await Log.FindByKeyAsync(otherWorkspace, _account, key));
    }

    [Fact]
    public async Task ReadDeliveredSince_ASentAppendedTwice_CountsOnce()
    {
        // The cap counters' source: a delivery re-appended from an outbox must not count twice.
        var sent = Sent(T0) with { Key = Unique("key") };
        await Log.AppendAsync([sent]);
        await Log.AppendAsync([sent]);
        await Log.AppendAsync([sent, Sent(T0.AddMinutes(1)) with { Key = Unique("key") }]);

        var delivered = await Log.ReadDeliveredSinceAsync(_workspace, _account, T0);

        Assert.Equal([new DeliveredAction(ActionType.Invite, T0), new DeliveredAction(ActionType.Invite, T0.AddMinutes(1))], delivered);
    }

    [Fact]
    public async Task ConcurrentAppendsOfOneOutcome_StoreItOnce_AndAllGetItsSeq()
    {
        // Many appends at once (the PostgreSQL log writes them together, several statements in flight),
        // each carrying the same outcome between events of its own.
        var key = Unique("key");
        var appends = Enumerable.Range(0, 100).Select(i => Task.Run(() => Log.AppendAsync(
            [Skipped(T0, Reason.Pacing) with { ProspectId = $"before-{i}" }, Sent(T0) with { Key = key }, Skipped(T0, Reason.Pacing) with { ProspectId = $"after-{i}" }])));

        var results = await Task.WhenAll(appends);

        var outcome = Assert.Single(results.Select(r => r[1]).Distinct());
        Assert.Equal(outcome, await Log.FindByKeyAsync(_workspace, _account, key));
        Assert.All(results, r => Assert.True(r[0].Seq < r[2].Seq));
        Assert.All(results, r => Assert.Equal(($"before-{r[0].ProspectId![7..]}", $"after-{r[0].ProspectId![7..]}"), (r[0].ProspectId, r[2].ProspectId)));
        var stored = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 500 });
        Assert.Equal(201, stored.Items.Count);
        Assert.Single(stored.Items, e => e.Key == key);
        Assert.Single(await Log.ReadDeliveredSinceAsync(_workspace, _account, T0));
    }

    [Fact]
    public async Task FindByKey_UnknownKey_ReturnsNull()
    {
        await Log.AppendAsync([Sent(T0) with { Key = Unique("key") }]);

        Assert.Null(await Log.FindByKeyAsync(_workspace, _account, Unique("key")));
    }

    [Fact]
    public async Task ConcurrentAppends_EachGetTheirOwnIncreasingSeqs_AndAllAreStored()
    {
        // Many accounts append at once (the PostgreSQL log writes them together): each caller's batch
        // keeps its order, no seq is given twice, and every event can be read back.
        var appends = Enumerable.Range(0, 200).Select(i => Task.Run(() => Log.AppendAsync(
            [.. Enumerable.Range(0, i % 3 + 1).Select(j => Sent(T0.AddSeconds(i)) with { ProspectId = $"p-{i}-{j}" })])));

        var results = await Task.WhenAll(appends);

        Assert.All(results, r => Assert.Equal(r.Select(e => e.Seq).Order(), r.Select(e => e.Seq)));
        Assert.All(results, r => Assert.Equal(r.Select(e => e.ProspectId).Order(StringComparer.Ordinal), r.Select(e => e.ProspectId)));
        var seqs = results.SelectMany(r => r.Select(e => e.Seq)).ToList();
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        var stored = await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery { Limit = 500 });
        Assert.Equal(seqs.Order().Reverse(), stored.Items.Select(e => e.Seq));
    }

    [Fact]
    public async Task Claim_AFreeKey_TakesIt_AndTheSameKeyIsThenHeldByThatClaim()
    {
        var claim = Claim(T0, Unique("key"));

        Assert.Null(await Log.ClaimAsync(claim));
        var again = await Log.ClaimAsync(claim with { At = T0.AddSeconds(1) });

        Assert.Equal((EventKind.Claimed, T0, claim.Key), (again!.Kind, again.At, again.Key));
        Assert.Equal(again, await Log.FindByKeyAsync(_workspace, _account, claim.Key!));
        Assert.Null(await Log.ClaimAsync(claim with { AccountId = Unique("acc") }));
    }

    [Fact]
    public async Task Claim_AKeyWithAnOutcome_AnswersTheOutcome_AndStoresNothing()
    {
        var key = Unique("key");
        var sent = await Log.AppendAsync([Sent(T0) with { Key = key }]);

        var holder = await Log.ClaimAsync(Claim(T0.AddMinutes(1), key));

        Assert.Equal(sent[0], holder);
        Assert.Empty(await Log.ReadClaimsAsync(_workspace, _account));
    }

    [Fact]
    public async Task TheOutcomeOfAClaimedKey_ResolvesTheClaim_CountsOnce_AndOnlyItIsActivity()
    {
        var key = Unique("key");
        Assert.Null(await Log.ClaimAsync(Claim(T0, key)));
        Assert.Empty((await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery())).Items);

        var outcome = await Log.AppendAsync([Sent(T0.AddSeconds(2)) with { Key = key }]);
        var again = await Log.AppendAsync([Sent(T0.AddSeconds(3)) with { Key = key }]);

        Assert.Equal((EventKind.Sent, T0.AddSeconds(2)), (outcome[0].Kind, outcome[0].At));
        Assert.Equal(outcome, again);
        Assert.Equal(outcome[0], await Log.FindByKeyAsync(_workspace, _account, key));
        Assert.Empty(await Log.ReadClaimsAsync(_workspace, _account));
        Assert.Equal([new DeliveredAction(ActionType.Invite, T0.AddSeconds(2))], await Log.ReadDeliveredSinceAsync(_workspace, _account, T0));
        Assert.Equal(outcome, (await Log.ReadCampaignAsync(_workspace, _campaign, new ActivityQuery())).Items);
    }

    [Fact]
    public async Task AnOutcomeInABatch_ResolvesItsClaim_BesideEventsWithoutAKey()
    {
        var key = Unique("key");
        Assert.Null(await Log.ClaimAsync(Claim(T0, key)));

        var appended = await Log.AppendAsync([Skipped(T0, Reason.Pacing), Failed(T0.AddSeconds(1), Reason.RecipientUnavailable) with { Key = key }, Sent(T0.AddSeconds(2))]);

        Assert.Equal([EventKind.Skipped, EventKind.Failed, EventKind.Sent], appended.Select(e => e.Kind));
        Assert.True(appended[0].Seq < appended[2].Seq);
        Assert.Equal(3, appended.Select(e => e.Seq).Distinct().Count());
        Assert.Equal(appended[1], await Log.FindByKeyAsync(_workspace, _account, key));
        Assert.Empty(await Log.ReadClaimsAsync(_workspace, _account));
    }

    [Fact]
    public async Task Release_FreesAClaimedKey_ButNeverAnOutcome()
    {
        var (released, sent) = (Unique("key"), Unique("key"));
        Assert.Null(await Log.ClaimAsync(Claim(T0, released)));
        await Log.AppendAsync([Sent(T0) with { Key = sent }]);

        await Log.ReleaseAsync(_workspace, _account, released);
        await Log.ReleaseAsync(_workspace, _account, sent);

        Assert.Null(await Log.FindByKeyAsync(_workspace, _account, released));
        Assert.Null(await Log.ClaimAsync(Claim(T0.AddMinutes(1), released)));
        Assert.Equal(EventKind.Sent, (await Log.FindByKeyAsync(_workspace, _account, sent))!.Kind);
    }

    [Fact]
    public async Task ReadClaims_ReturnsOnlyThatAccountsUnresolvedClaims_OldestFirst()
    {
        var keys = new[] { Unique("key"), Unique("key"), Unique("key") };
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            Assert.Null(await Log.ClaimAsync(Claim(T0.AddSeconds(i), key)));
        }
        Assert.Null(await Log.ClaimAsync(Claim(T0, Unique("key")) with { AccountId = Unique("acc") }));
        await Log.AppendAsync([Sent(T0) with { Key = keys[1] }]);

        var claims = await Log.ReadClaimsAsync(_workspace, _account);

        Assert.Equal([keys[0], keys[2]], claims.Select(c => c.Key));
        Assert.All(claims, c => Assert.Equal((EventKind.Claimed, _campaign, "p-1", ActionType.Invite), (c.Kind, c.CampaignId, c.ProspectId, c.Action)));
    }

    [Fact]
    public async Task ConcurrentClaimsOfOneKey_ExactlyOneTakesIt()
    {
        var key = Unique("key");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => Log.ClaimAsync(Claim(T0.AddSeconds(i), key)))));

        Assert.Single(results, r => r is null);
        Assert.Single(results.Where(r => r is not null).Select(r => r!.Seq).Distinct());
    }

    [Fact]
    public async Task ClaimsAndOutcomesAtOnce_ClaimNeverReplacesAClaimOrAnOutcome_AndEachOutcomeResolvesOnlyItsOwnClaim()
    {
        // What one statement may now carry together (the PostgreSQL log's group commit): claims of free keys,
        // second claims of keys just claimed, claims of keys with an outcome, and outcomes of claimed keys.
        var claimed = Enumerable.Range(0, 12).Select(_ => Unique("key")).ToArray();
        var decided = Enumerable.Range(0, 12).Select(_ => Unique("key")).ToArray();
        foreach (var key in claimed.Concat(decided))
        {
            Assert.Null(await Log.ClaimAsync(Claim(T0, key)));
        }
        var free = Enumerable.Range(0, 12).Select(_ => Unique("key")).ToArray();

        var claimsOfFree = free.Select(k => Task.Run(() => Log.ClaimAsync(Claim(T0.AddSeconds(1), k))));
        var claimsOfClaimed = claimed.Select(k => Task.Run(() => Log.ClaimAsync(Claim(T0.AddSeconds(2), k))));
        var outcomes = decided.Select(k => Task.Run(() => Log.AppendAsync([Sent(T0.AddSeconds(3)) with { Key = k }])));
        var (freeTask, claimedTask, resolvedTask) = (Task.WhenAll(claimsOfFree), Task.WhenAll(claimsOfClaimed), Task.WhenAll(outcomes));
        await Task.WhenAll(freeTask, claimedTask, resolvedTask);
        var (ofFree, ofClaimed, resolved) = (await freeTask, await claimedTask, await resolvedTask);
        var ofDecided = await Task.WhenAll(decided.Select(k => Task.Run(() => Log.ClaimAsync(Claim(T0.AddSeconds(4), k)))));

        Assert.All(ofFree, Assert.Null);
        Assert.All(ofClaimed, h => Assert.Equal((EventKind.Claimed, T0), (h!.Kind, h.At)));
        Assert.All(resolved, r => Assert.Equal((EventKind.Sent, T0.AddSeconds(3)), (r[0].Kind, r[0].At)));
        Assert.Equal(resolved.Select(r => r[0]), ofDecided);
        Assert.Equal(claimed.Concat(free).Order(StringComparer.Ordinal),
            (await Log.ReadClaimsAsync(_workspace, _account)).Select(c => c.Key!).Order(StringComparer.Ordinal));
    }

    protected EventRecord Claim(DateTimeOffset at, string key) => Sent(at) with { Kind = EventKind.Claimed, Key = key };

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected EventRecord Sent(DateTimeOffset at) => new()
    {
        At = at,
        Kind = EventKind.Sent,
        WorkspaceId = _workspace,
        CampaignId = _campaign,
        AccountId = _account,
        ProspectId = "p-1",
        Action = ActionType.Invite,
    };

    protected EventRecord Skipped(DateTimeOffset at, Reason reason) => Sent(at) with { Kind = EventKind.Skipped, Reason = reason };

    protected EventRecord Failed(DateTimeOffset at, Reason reason) => Sent(at) with { Kind = EventKind.Failed, Reason = reason };

    protected string Workspace => _workspace;

    protected string Campaign => _campaign;

    protected string Account => _account;
}

public sealed class InMemoryEventLogContractTests : EventLogContractTests
{
    protected override IEventLog Log { get; } = new InMemoryEventLog();
}

public sealed class PostgresEventLogContractTests(PostgresDatabaseFixture database)
    : EventLogContractTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override IEventLog Log { get; } = new PostgresEventLog(database.DataSource);

    [Fact]
    public async Task ReadClaims_ReadsThePartialIndexOfClaims_NotTheAccountsHistory()
    {
        // An account with a long history and one send in flight: an activation reads the one claim.
        var history = Enumerable.Range(0, 3_000).Select(i => Sent(DateTimeOffset.UnixEpoch.AddSeconds(i)) with { Key = Unique("key") }).ToList();
        for (var i = 0; i < history.Count; i += 500)
        {
            await Log.AppendAsync(history.GetRange(i, 500));
        }
        Assert.Null(await Log.ClaimAsync(Claim(DateTimeOffset.UnixEpoch, Unique("key"))));
        await using (var analyze = database.DataSource.CreateCommand("ANALYZE breaker_events"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        await using var explain = database.DataSource.CreateCommand(
            "EXPLAIN SELECT seq FROM breaker_events WHERE workspace_id = @w AND account_id = @a AND kind = 'Claimed' ORDER BY seq");
        explain.Parameters.AddWithValue("w", Workspace);
        explain.Parameters.AddWithValue("a", Account);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, line => line.Contains("ix_breaker_events_claims", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Seq Scan", StringComparison.Ordinal));
        Assert.Single(await Log.ReadClaimsAsync(Workspace, Account));
    }

    [Fact]
    public async Task Append_BatchWithAnInvalidEvent_StoresNothing()
    {
        var invalid = Sent(DateTimeOffset.UnixEpoch) with { WorkspaceId = null! };

        await Assert.ThrowsAsync<PostgresException>(() => Log.AppendAsync([Sent(DateTimeOffset.UnixEpoch), invalid]));

        Assert.Empty((await Log.ReadCampaignAsync(Workspace, Campaign, new ActivityQuery())).Items);
    }

    [Fact]
    public async Task Append_AnInvalidBatchAmongConcurrentOnes_FailsAlone()
    {
        var invalid = Sent(DateTimeOffset.UnixEpoch) with { WorkspaceId = null! };
        var valid = Enumerable.Range(0, 50).Select(i => Task.Run(() => Log.AppendAsync([Sent(DateTimeOffset.UnixEpoch.AddSeconds(i))]))).ToList();
        var bad = Task.Run(() => Log.AppendAsync([Sent(DateTimeOffset.UnixEpoch), invalid]));

        await Assert.ThrowsAsync<PostgresException>(() => bad);
        await Task.WhenAll(valid);

        Assert.Equal(50, (await Log.ReadCampaignAsync(Workspace, Campaign, new ActivityQuery { Limit = 500 })).Items.Count);
    }

    [Fact]
    public async Task Enums_AreStoredByName()
    {
        var appended = await Log.AppendAsync([Skipped(DateTimeOffset.UnixEpoch, Reason.InMailCreditsExhausted) with { Action = ActionType.InMail }]);

        await using var command = database.DataSource.CreateCommand("SELECT kind, reason, action FROM breaker_events WHERE seq = @seq");
        command.Parameters.AddWithValue("seq", appended[0].Seq);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("Skipped", "InMailCreditsExhausted", "InMail"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
    }

    [Fact]
    public async Task Times_AreReturnedAsStored_InUtcToTheMicrosecond()
    {
        var at = new DateTimeOffset(2026, 3, 2, 14, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var appended = await Log.AppendAsync([Sent(at) with { ResumeAt = at.AddTicks(9) }]);

        var read = (await Log.ReadCampaignAsync(Workspace, Campaign, new ActivityQuery())).Items.Single();

        Assert.Equal(appended[0], read);
        Assert.Equal(TimeSpan.Zero, appended[0].At.Offset);
        Assert.Equal(at.UtcTicks - 7, appended[0].At.UtcTicks);
        Assert.Equal(at.UtcTicks + 9 - 6, read.ResumeAt!.Value.UtcTicks);
    }
}
