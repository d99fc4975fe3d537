using Microsoft.AspNetCore.Mvc;
using OrleansBreaker.Client.Api;
using OrleansBreaker.Client.Web;

namespace OrleansBreaker.Client.Pages;

/// <summary>"Why is my prospect stuck?": the step, status, typed reason in words, and when it resumes.</summary>
public sealed class ProspectModel : WorkspacePage
{
    public ProspectView Prospect { get; private set; } = null!;

    public string CampaignId { get; private set; } = "";

    public int Steps { get; private set; }

    public string Why { get; private set; } = "";

    /// <summary>The profile URL when it is safe to link (http or https); otherwise it is only shown as text.</summary>
    public string? ProfileLink { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        CampaignId = Route("campaignId");
        var campaign = Cluster.GetGrain<ICampaignGrain>(GrainKeys.Scoped(Ws, CampaignId));
        var view = await campaign.GetViewAsync();
        if (!view.Exists || await campaign.GetProspectAsync(Route("prospectId")) is not { } prospect)
        {
            return NotFound();
        }
        Prospect = prospect;
        Steps = view.Steps.Count;
        ProfileLink = prospect.ProfileUrl is { } url && CampaignsApi.IsWebUrl(url) ? url : null;
        Why = prospect.Status switch
        {
            ProspectStatus.Done => "Done: every step of the campaign went out.",
            ProspectStatus.Due => "Due: it goes out with the campaign's next dispatch (paced and capped as usual).",
            _ => ReasonText.Explain(prospect.Reason, prospect.Action)
                 + (prospect.ResumeAt is { } at ? $" Resumes {Display.Utc(at)} ({Display.Relative(at, Now)})." : ""),
        };
        return Page();
    }
}
