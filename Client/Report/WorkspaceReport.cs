namespace OrleansBreaker.Client.Report;

/// <summary>
/// <c>OrleansBreaker.Client &lt;workspace&gt;</c>: prints one workspace's breakers, usage and campaigns from
/// grain state and exits (deploy/k8s/client-report-job.yaml; locally: dotnet Client/bin/Release/net10.0/OrleansBreaker.Client.dll demo).
/// </summary>
public static class WorkspaceReport
{
    /// <summary>The first positional argument (not an option, nor an option's value) is the workspace to report on.</summary>
    public static string? RequestedWorkspace(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('-') || arg.StartsWith('/'))
            {
                if (!arg.Contains('='))
                {
                    i++; // the option's value
                }
                continue;
            }
            return arg;
        }
        return null;
    }

    public static async Task<int> RunAsync(string[] args, string workspace)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.UseOrleansClient(client => client.UseBreakerClustering(builder.Configuration));
        using var host = builder.Build();
        await host.StartAsync();

        var grains = host.Services.GetRequiredService<IClusterClient>();
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
            Console.WriteLine($"  campaign {id} on {string.Join("+", c.AccountIds)}: sent {c.Counters.Sent}, skipped {c.Counters.Skipped}, failed {c.Counters.Failed}, resumes {c.ResumeAt:u}");
        }
        await host.StopAsync();
        return 0;
    }
}
