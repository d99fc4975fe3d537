using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Silo.Demo;

/// <summary>
/// Seeds the demo workspace on the embedded default and reports on it: within the first minute the
/// console shows InMails sent, <c>alice</c> running out of credits and tripping (with its resume time),
/// later InMails skipped, and invites and messages still flowing.
/// </summary>
internal sealed partial class DemoWorkspace(
    IGrainFactory grains,
    SimulatedLinkedIn linkedIn,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    ILogger<DemoWorkspace> logger) : BackgroundService
{
    public const string WorkspaceId = "demo";
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await lifetime.WaitAsync(stoppingToken))
        {
            return;
        }
        try
        {
            await SeedAsync();
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(ReportEvery, stoppingToken);
                await ReportAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogDemoFailed(ex);
        }
    }

    private async Task SeedAsync()
    {
        // alice has only 3 InMail credits left this month: she trips within seconds.
        if (configuration["Upstream:BaseUrl"] is { Length: > 0 } simulator
            && string.Equals(configuration["Upstream:Provider"], "Http", StringComparison.OrdinalIgnoreCase))
        {
            using var http = new HttpClient { BaseAddress = new Uri(simulator) };
            (await http.PutAsJsonAsync("/sim/accounts/alice", new { inMailCredits = 3 })).EnsureSuccessStatusCode();
        }
        else
        {
            linkedIn.Configure("alice", new SimulatedAccountSettings { InMailCredits = 3 });
        }
        await Account("alice").ConfigureAsync(new AccountSettings { TimeZone = "Europe/Paris" });
        await Account("bob").ConfigureAsync(new AccountSettings { TimeZone = "America/New_York" });

        await Campaign("alice-inmail", "alice", [new(ActionType.ViewProfile), new(ActionType.InMail)], "lead", 12);
        await Campaign("alice-invites", "alice", [new(ActionType.Invite)], "founder", 15);
        await Campaign("bob-sequence", "bob", [new(ActionType.ViewProfile), new(ActionType.Invite), new(ActionType.Message)], "cto", 8);
        // A pool (BRIEF §11): once alice's InMail trips, this campaign's InMails go from bob.
        await Campaign("team-inmail", ["alice", "bob"], [new(ActionType.InMail)], "vp", 10);
        LogSeeded(WorkspaceId);
    }

    private Task Campaign(string id, string accountId, StepDefinition[] steps, string prefix, int prospects) =>
        Campaign(id, [accountId], steps, prefix, prospects);

    private async Task Campaign(string id, string[] pool, StepDefinition[] steps, string prefix, int prospects)
    {
        var campaign = grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(WorkspaceId, id));
        await campaign.ConfigureAsync(new CampaignSettings { AccountIds = pool, Steps = steps });
        await campaign.AddProspectsAsync([.. Enumerable.Range(1, prospects)
            .Select(i => new ProspectInput($"{prefix}-{i:00}", $"https://www.linkedin.com/in/{prefix}-{i:00}"))]);
    }

    private async Task ReportAsync()
    {
        var directory = await grains.GetGrain<IWorkspaceGrain>(WorkspaceId).GetDirectoryAsync();
        foreach (var id in directory.Accounts)
        {
            var view = await Account(id).GetViewAsync();
            var used = string.Join(", ", view.Usage.Where(u => u.Value.Today > 0).Select(u => $"{u.Key} {u.Value.Today}/{u.Value.DailyCap}"));
            var open = string.Join(", ", view.Breakers.Where(b => b.Value.State != BreakerState.Closed)
                .Select(b => $"{b.Key} {b.Value.State} ({b.Value.Reason}) until {b.Value.ResumeAt:u}"));
            LogAccount(id, view.Status, used.Length == 0 ? "nothing yet" : used, open.Length == 0 ? "all closed" : open);
        }
        foreach (var id in directory.Campaigns)
        {
            var c = await grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(WorkspaceId, id)).GetViewAsync();
            LogCampaign(id, string.Join("+", c.AccountIds), c.Counters.Sent, c.Counters.Skipped, c.Counters.Failed, c.Steps.Sum(s => s.Waiting), c.ResumeAt);
        }
    }

    private IAccountGrain Account(string id) => grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(WorkspaceId, id));

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo workspace '{Workspace}' seeded: accounts alice (3 InMail credits left) and bob; 4 campaigns dispatching, team-inmail from the pool alice+bob")]
    private partial void LogSeeded(string workspace);

    [LoggerMessage(Level = LogLevel.Information, Message = "[report] account {Account} {Status}: sent today {Usage}; breakers: {Breakers}")]
    private partial void LogAccount(string account, AccountStatus status, string usage, string breakers);

    [LoggerMessage(Level = LogLevel.Information, Message = "[report] campaign {Campaign} on {Accounts}: sent {Sent}, skipped {Skipped}, failed {Failed}, waiting {Waiting}, resumes {ResumeAt:u}")]
    private partial void LogCampaign(string campaign, string accounts, int sent, int skipped, int failed, int waiting, DateTimeOffset? resumeAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The demo workspace stopped")]
    private partial void LogDemoFailed(Exception ex);
}
