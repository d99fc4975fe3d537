using OrleansBreaker.Client;
using OrleansBreaker.Client.Report;

// With a workspace id (`OrleansBreaker.Client demo`): print that workspace's state and exit.
// Without: the dashboard, REST API, /healthz and /metrics on http://127.0.0.1:5080 (API.md §1).
if (WorkspaceReport.RequestedWorkspace(args) is { } workspace)
{
    return await WorkspaceReport.RunAsync(args, workspace);
}
await DashboardApp.Build(args).RunAsync();
return 0;
