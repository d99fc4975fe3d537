using Microsoft.Extensions.Configuration;

namespace OrleansBreaker.Web;

public static class WebHosting
{
    /// <summary>True when the operator chose where to listen (urls, ports or Kestrel endpoints), so a default must not override it.</summary>
    public static bool HasConfiguredEndpoints(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"])
        || !string.IsNullOrWhiteSpace(configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").Exists();
}
