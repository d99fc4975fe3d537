namespace OrleansBreaker.Workspaces;

/// <summary>
/// Which accounts each campaign of a workspace sends from, and back: the campaigns of an account. Plain
/// logic over the <see cref="WorkspaceState"/> it is given (it changes that state; the grain writes it
/// when a method says something changed). The account-to-campaigns side is rebuilt in memory from the
/// state, never stored: it is derived, and storing it would double the state for nothing.
/// </summary>
internal sealed class CampaignAccountIndex
{
    private readonly WorkspaceState _state;
    private readonly Dictionary<string, SortedSet<string>> _byAccount = new(StringComparer.Ordinal);
    // Campaigns stored before the directory kept their accounts: their pages must still read them.
    private readonly SortedSet<string> _unknown = new(StringComparer.Ordinal);

    public CampaignAccountIndex(WorkspaceState state)
    {
        _state = state;
        foreach (var (campaign, accounts) in state.CampaignAccounts)
        {
            Link(campaign, accounts);
        }
        _unknown.UnionWith(state.Campaigns.Where(c => !state.CampaignAccounts.ContainsKey(c)));
    }

    /// <summary>
    /// Records that <paramref name="campaignId"/> sends from <paramref name="accountIds"/> (and is in the
    /// directory). True when this changed anything, false when the index said so already.
    /// </summary>
    public bool Set(string campaignId, IEnumerable<string> accountIds)
    {
        var accounts = new SortedSet<string>(accountIds, StringComparer.Ordinal);
        var added = _state.Campaigns.Add(campaignId);
        if (_state.CampaignAccounts.TryGetValue(campaignId, out var before))
        {
            if (before.SetEquals(accounts))
            {
                return added;
            }
            Unlink(campaignId, before);
        }
        _state.CampaignAccounts[campaignId] = accounts;
        _unknown.Remove(campaignId);
        Link(campaignId, accounts);
        return true;
    }

    /// <summary>
    /// Adds a campaign whose accounts are not told (an older campaign grain's call). True when it was not
    /// in the directory; a campaign already there keeps what is known of it.
    /// </summary>
    public bool AddUnknown(string campaignId)
    {
        if (!_state.Campaigns.Add(campaignId))
        {
            return false;
        }
        _unknown.Add(campaignId);
        return true;
    }

    /// <summary>
    /// Fills in the accounts of campaigns whose accounts are not known, as read from their views. A
    /// campaign already known is left alone: what it told the directory itself (<see cref="Set"/>) is
    /// newer than a view that a reader took before, or as old. True when anything changed.
    /// </summary>
    public bool Learn(IEnumerable<CampaignAccounts> campaigns)
    {
        var changed = false;
        foreach (var c in campaigns)
        {
            if (_unknown.Contains(c.CampaignId))
            {
                changed |= Set(c.CampaignId, c.AccountIds);
            }
        }
        return changed;
    }

    /// <summary>The campaigns known to send from <paramref name="accountId"/>, and those whose accounts are not known yet.</summary>
    public AccountCampaigns CampaignsOf(string accountId) =>
        new(_byAccount.TryGetValue(accountId, out var campaigns) ? [.. campaigns] : [], [.. _unknown]);

    private void Link(string campaignId, SortedSet<string> accounts)
    {
        foreach (var account in accounts)
        {
            if (!_byAccount.TryGetValue(account, out var campaigns))
            {
                _byAccount[account] = campaigns = new SortedSet<string>(StringComparer.Ordinal);
            }
            campaigns.Add(campaignId);
        }
    }

    private void Unlink(string campaignId, SortedSet<string> accounts)
    {
        foreach (var account in accounts)
        {
            if (_byAccount.TryGetValue(account, out var campaigns) && campaigns.Remove(campaignId) && campaigns.Count == 0)
            {
                _byAccount.Remove(account);
            }
        }
    }
}
