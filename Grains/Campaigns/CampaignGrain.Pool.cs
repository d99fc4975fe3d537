namespace OrleansBreaker.Campaigns;

/// <summary>Sending from a pool of accounts (BRIEF §11).</summary>
internal sealed partial class CampaignGrain
{
    /// <summary>Prospects on an account that left the pool wait for it (typed); those on one that came back move again.</summary>
    private async Task PoolChangedAsync(IReadOnlyList<string> removed, IReadOnlyList<string> added)
    {
        var now = time.GetUtcNow();
        foreach (var account in removed)
        {
            await UpdateWhereAsync(new ProspectFilter { AccountId = account, Open = true }, p => ProspectMachine.AccountRemoved(p, now));
        }
        foreach (var account in added)
        {
            await UpdateWhereAsync(new ProspectFilter { AccountId = account, Status = ProspectStatus.Waiting, Reasons = [Reason.AccountRemovedFromPool] },
                p => ProspectMachine.AccountReturned(p, now));
        }
        if (removed.Count + added.Count > 0)
        {
            _nextWake = null;
        }
    }
}
