using Orleans.Concurrency;

namespace OrleansBreaker;

/// <summary>
/// One LinkedIn account, keyed <c>{workspaceId}/{accountId}</c> (see <see cref="GrainKeys"/>). The only
/// path to LinkedIn for the account: it serialises sends, holds one breaker per action type, the
/// caps, the status and the dispatch intents.
/// </summary>
[Alias("OrleansBreaker.IAccountGrain")]
public interface IAccountGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task<AccountView> ConfigureAsync(AccountSettings settings);

    /// <summary>Status, safety mode, breaker, caps, then persist intent, call LinkedIn, persist outcome (BRIEF §8).</summary>
    [Alias("Dispatch")]
    Task<DispatchResult> DispatchAsync(DispatchCommand command);

    /// <summary>
    /// Built from memory in one synchronous step, so it interleaves with a send in flight: the API's checks
    /// (does the account exist?) and the dashboard never wait for LinkedIn to answer.
    /// </summary>
    [AlwaysInterleave, Alias("GetView")]
    Task<AccountView> GetViewAsync();

    /// <summary>
    /// An action that happened outside our dispatch. A <c>Sent</c> of a tripped action type clears its breaker;
    /// an <c>Accepted</c>/<c>Replied</c> is routed to the campaign of the prospect. Refuses (ArgumentException)
    /// a time in the future beyond the clock skew allowed, or before the account was created. The same event
    /// recorded twice counts once.
    /// </summary>
    [Alias("RecordExternal")]
    Task<ExternalEventResult> RecordExternalEventAsync(ExternalEvent evt);

    /// <summary>
    /// What a campaign's pool needs to choose a seat (BRIEF §11): for each of <paramref name="actions"/>, whether
    /// the account can send it now, else why not and until when, and its room left today. Built from memory in
    /// one step, like <see cref="GetViewAsync"/>, so it never waits for a send in flight.
    /// </summary>
    [AlwaysInterleave, Alias("GetSeat")]
    Task<SeatView> GetSeatAsync(IReadOnlyList<ActionType> actions);

    /// <summary>
    /// A campaign that will not offer <paramref name="action"/> here while its breaker is open asks to be told
    /// when it clears (as a skip would have registered it). Returns the seat as <see cref="GetSeatAsync"/> does.
    /// </summary>
    [Alias("WatchBreaker")]
    Task<SeatView> WatchBreakerAsync(string campaignId, ActionType action);

    /// <summary>The account's last <paramref name="days"/> local days: deliveries per action against the cap, breaker trips and clears.</summary>
    [AlwaysInterleave, Alias("GetHistory")]
    Task<AccountHistory> GetHistoryAsync(int days);
}

[Alias("OrleansBreaker.ICampaignGrain")]
public interface ICampaignGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task<CampaignView> ConfigureAsync(CampaignSettings settings);

    [Alias("AddProspects")]
    Task<AddProspectsResult> AddProspectsAsync(IReadOnlyList<ProspectInput> prospects);

    /// <summary>
    /// Reads interleave with a dispatch run (they only read the store and counts kept in memory), so the API
    /// and the dashboard never wait for a campaign's batch of sends.
    /// </summary>
    [AlwaysInterleave, Alias("GetView")]
    Task<CampaignView> GetViewAsync();

    [AlwaysInterleave, Alias("GetProspect")]
    Task<ProspectView?> GetProspectAsync(string prospectId);

    [AlwaysInterleave, Alias("GetActivity")]
    Task<EventPage> GetActivityAsync(ActivityQuery query);

    /// <summary>"Why are my prospects stuck": a page of prospects, filtered by status, reason and account.</summary>
    [AlwaysInterleave, Alias("ListProspects")]
    Task<ProspectPage> ListProspectsAsync(ProspectQuery query);

    /// <summary>Dispatches every prospect that is due now, one at a time; returns how many were attempted.</summary>
    [Alias("RunDue")]
    Task<int> RunDueAsync();

    /// <summary>
    /// The account's breaker for <paramref name="action"/> cleared: prospects waiting on it become due.
    /// One-way because the account grain calls it while campaigns may be calling the account.
    /// </summary>
    [OneWay, Alias("BreakerCleared")]
    Task BreakerClearedAsync(string accountId, ActionType action);

    /// <summary>
    /// The workspace's safety mode tripped on a burst that included these prospects' own attempts:
    /// they become Failed (circuit breaker), retryable once the safety mode lets dispatch through.
    /// </summary>
    [OneWay, Alias("SafetyModeTripped")]
    Task SafetyModeTrippedAsync(IReadOnlyList<string> prospectIds, DateTimeOffset? resumeAt);

    /// <summary>
    /// A prospect of this campaign accepted an invite or replied (LinkedIn's feed, handed over by the cluster's
    /// outcome feed reader, or POST /events, routed by the account grain). Counted once per prospect, however
    /// often it arrives. One-way because the account grain calls it while the campaign may be calling the account.
    /// </summary>
    [OneWay, Alias("RecordProspectOutcome")]
    Task RecordProspectOutcomeAsync(string prospectId, EventKind kind, DateTimeOffset at);

    /// <summary>
    /// Accepts and replies read from the provider's feed, recorded in one write and acknowledged: the feed
    /// reader moves its cursor past them only once this returns, so none is lost when a campaign cannot be
    /// reached. Counted once per prospect, like <see cref="RecordProspectOutcomeAsync"/>. Awaited, because
    /// a campaign never calls the reader.
    /// </summary>
    [Alias("RecordProspectOutcomes")]
    Task RecordProspectOutcomesAsync(IReadOnlyList<ProspectOutcomeReport> outcomes);

    /// <summary>
    /// The due index says the campaign has work due (or its silo died): it looks at what is due and keeps
    /// itself awake while work is due soon. One-way: the silo's wake service does not wait on campaigns.
    /// </summary>
    [OneWay, Alias("Wake")]
    Task WakeAsync();

    /// <summary>
    /// The campaign's own timer, once it has its place in the silo's run gate: runs what is due (when
    /// <paramref name="run"/>) and decides when to look next. Called by the campaign on itself only.
    /// </summary>
    [Alias("Tick")]
    Task TickAsync(bool run);

    /// <summary>The pool's accounts with how many of the campaign's prospects each holds (and accounts no longer in the pool that still hold some).</summary>
    [AlwaysInterleave, Alias("GetPoolSeats")]
    Task<IReadOnlyList<PoolSeatCount>> GetPoolSeatsAsync();

    /// <summary>How many of the campaign's prospects wait for each reason (only non-zero counts), at most a few seconds old.</summary>
    [AlwaysInterleave, Alias("GetWaitingByReason")]
    Task<IReadOnlyDictionary<Reason, int>> GetWaitingByReasonAsync();

    /// <summary>The campaign's deliveries per UTC day per account over the last <paramref name="days"/> days.</summary>
    [AlwaysInterleave, Alias("GetPoolHistory")]
    Task<PoolHistory> GetPoolHistoryAsync(int days);
}

public static class GrainKeys
{
    /// <summary>
    /// The idempotency key sent to the provider: scoped by workspace, so that two workspaces' campaigns
    /// of the same name can never collide at LinkedIn's side. <c>{workspace}/{campaign}/{prospect}/{step}</c>.
    /// </summary>
    public static string ProviderKey(string workspaceId, string dispatchKey) => $"{workspaceId}/{dispatchKey}";

    /// <summary>The campaign a provider key names (see <see cref="ProviderKey"/>), or null when it names none.</summary>
    public static string? CampaignOfProviderKey(string? providerKey)
    {
        var parts = providerKey?.Split('/');
        return parts is { Length: 4 } && parts[1].Length > 0 ? parts[1] : null;
    }

    public static string Scoped(string workspaceId, string id) => $"{workspaceId}/{id}";

    public static (string WorkspaceId, string Id) Split(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? (key, key) : (key[..slash], key[(slash + 1)..]);
    }
}
