using OrleansBreaker.Client.Api;

namespace OrleansBreaker.Client.Hosting;

/// <summary><c>GET /healthz</c>: 200 once connected to the cluster and a silo answers, 503 otherwise (API.md §3).</summary>
public static class HealthEndpoint
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (ClusterStatus status, IClusterClient cluster) =>
        {
            if (!status.Connected)
            {
                return Problems.Unavailable("Not connected to the cluster yet.");
            }
            try
            {
                var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ProbeTimeout);
                return Results.Ok(new { status = "connected", silos = hosts.Count });
            }
            catch (Exception ex) when (ClusterErrors.IsUnavailable(ex))
            {
                return Problems.Unavailable($"The cluster does not answer ({ex.GetType().Name}).");
            }
        });
        return app;
    }
}
