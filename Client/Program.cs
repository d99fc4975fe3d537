using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansBreaker;
using OrleansBreaker.Client;

// A small cluster client until the dashboard arrives: prints the breakers, usage and campaigns of
// one workspace (default "demo"), read from grain state through the gateway.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.UseOrleansClient(client => client.UseBreakerClustering(builder.Configuration));
using var host = builder.Build();
await host.StartAsync();

var grains = host.Services.GetRequiredService<IClusterClient>();
var workspace = builder.Configuration["workspace"] ?? (args.FirstOrDefault(a => !a.StartsWith('-')) ?? "demo");
var directory = await grains.GetGrain<IWorkspaceGrain>(workspace).GetDirectoryAsync();
Console.WriteLine($"Workspace {workspace}: {directory.Accounts.Count} accounts, {directory.Campaigns.Count} campaigns");
foreach (var id in directory.Accounts)
{
    var view = await grains.GetGrain<IAccountGrain>(GrainKeys.Scoped(workspace, id)).GetViewAsync();
    Console.WriteLine($"  account {id} ({view.Status}, {view.TimeZone})");
    foreach (var (action, breaker) in view.Breakers)
    {
        var usage = view.Usage[action];
        var state = breaker.State == BreakerState.Closed ? "Closed" : $"{breaker.State} ({breaker.Reason}) until {breaker.ResumeAt:u}; clears by {breaker.ClearsBy}";
        Console.WriteLine($"    {action,-12} today {usage.Today}/{usage.DailyCap}, week {usage.ThisWeek}/{usage.WeeklyCap}  breaker {state}");
    }
}
foreach (var id in directory.Campaigns)
{
    var c = await grains.GetGrain<ICampaignGrain>(GrainKeys.Scoped(workspace, id)).GetViewAsync();
    Console.WriteLine($"  campaign {id} on {c.AccountId}: sent {c.Counters.Sent}, skipped {c.Counters.Skipped}, failed {c.Counters.Failed}, resumes {c.ResumeAt:u}");
}
await host.StopAsync();
