using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using OrleansBreaker.Safety;

namespace OrleansBreaker.Accounts;

/// <summary>
/// One LinkedIn account. The only path to LinkedIn for it, so sends are serialised by the grain's
/// turn-based concurrency: a post-reset probe is single-flight by construction. The account's rules are
/// <see cref="AccountDecider"/>; the grain asks it what to do and carries out what it says (Effects):
/// storage, the event log, reminders, LinkedIn, the safety mode and the campaigns.
/// </summary>
internal sealed partial class AccountGrain(
    [PersistentState("account", StorageNames.GrainStore)] IPersistentState<AccountState> state,
    IEventLog eventLog,
    ILinkedInUpstream upstream,
    SafetyModeCache safety,
    SendThrottle throttle,
    [FromKeyedServices(BreakerServices.ClockKey)] TimeProvider time,
    IOptions<DispatchOptions> options,
    ILogger<AccountGrain> logger) : Grain, IAccountGrain, IRemindable
{
    private string _workspaceId = "";
    private string _accountId = "";
    private AccountDecider _account = null!;

    private AccountState S => state.State;
    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _accountId) = GrainKeys.Split(Key);
        _account = new AccountDecider(_workspaceId, _accountId, S, options.Value);
        if (!S.Exists)
        {
            return;
        }
        await FlushOutboxAsync();
        await ResolvePendingIntentsAsync(cancellationToken);
        await RecountAsync(cancellationToken);
        _remindersUnsure = S.Breakers.Values.Any(b => b.IsOpen);
        await EnsureRemindersAsync();
    }

    public async Task<AccountView> ConfigureAsync(AccountSettings settings)
    {
        var zone = _account.Validate(settings);
        // One LinkedIn seat, one workspace: the provider knows the account by its id alone. Asked on every
        // configuration, before anything is written, so an account created before seats were claimed is
        // claimed by the first workspace that configures it again.
        if (!await GrainFactory.GetGrain<ISeatGrain>(_accountId).ClaimAsync(_workspaceId))
        {
            throw SeatTakenException.For(_accountId);
        }
        var (created, recount) = _account.Configure(settings, zone, time.GetUtcNow());
        await state.WriteStateAsync();
        if (created)
        {
            await GrainFactory.GetGrain<IWorkspaceGrain>(_workspaceId).AddAccountAsync(_accountId);
        }
        if (recount)
        {
            await RecountAsync(CancellationToken.None);
        }
        return _account.View(time.GetUtcNow());
    }

    public Task<AccountView> GetViewAsync() => Task.FromResult(_account.View(time.GetUtcNow()));

    public Task<SeatView> GetSeatAsync(IReadOnlyList<ActionType> actions) => Task.FromResult(_account.Seat(actions, time.GetUtcNow()));

    public async Task<SeatView> WatchBreakerAsync(string campaignId, ActionType action)
    {
        if (_account.WatchBreaker(campaignId, action))
        {
            await state.WriteStateAsync();
        }
        return _account.Seat([action], time.GetUtcNow());
    }
}
