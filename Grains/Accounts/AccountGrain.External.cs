namespace OrleansBreaker.Accounts;

/// <summary>Actions that happened outside our dispatch (<c>POST /events</c>, BRIEF §4 and §7).</summary>
internal sealed partial class AccountGrain
{
    public async Task<ExternalEventResult> RecordExternalEventAsync(ExternalEvent evt)
    {
        var now = time.GetUtcNow();
        var (at, key) = _account.External(evt, now);
        if (_account.FindInOutbox(key) is not null || await eventLog.FindByKeyAsync(_workspaceId, _accountId, key) is not null)
        {
            return new ExternalEventResult { Duplicate = true, CampaignId = evt.CampaignId };
        }
        await eventLog.AppendAsync([_account.ExternalRecord(evt, at, key)]);
        if (evt.Kind is EventKind.Accepted or EventKind.Replied && evt.ProspectId is { } prospectId)
        {
            return new ExternalEventResult { CampaignId = await RouteOutcomeAsync(evt.CampaignId, prospectId, evt.Kind, at) };
        }
        if (evt.Kind != EventKind.Sent)
        {
            return new ExternalEventResult();
        }
        await CarryOutAsync(_account.ExternalSent(evt.Action, at, now));
        return new ExternalEventResult { CampaignId = evt.CampaignId };
    }

    /// <summary>
    /// Routes an accept or reply posted through <c>POST /events</c>: to the campaign named, else to the
    /// campaign whose delivery to the prospect this account made last. (LinkedIn's own feed is read once
    /// for the whole cluster by the outcome feed reader, not by each account: see Outcomes/OutcomeFeedGrain.)
    /// The call is one-way: a campaign awaits this account while it dispatches, so this account must
    /// never await a campaign.
    /// </summary>
    private async Task<string?> RouteOutcomeAsync(string? campaignId, string prospectId, EventKind kind, DateTimeOffset at)
    {
        campaignId ??= (await eventLog.FindLatestSentToProspectAsync(_workspaceId, _accountId, prospectId))?.CampaignId;
        if (campaignId is null)
        {
            LogOutcomeUnmatched(Key, prospectId, "no delivery to this prospect from this account is logged");
            return null;
        }
        await GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_workspaceId, campaignId)).RecordProspectOutcomeAsync(prospectId, kind, at);
        return campaignId;
    }
}
