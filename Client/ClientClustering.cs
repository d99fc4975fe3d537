using System.Net;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace OrleansBreaker.Client;

public static class ClientClustering
{
    /// <summary>
    /// Joins the cluster the same way the silos were told to form it: <c>Storage:Provider</c> = Memory
    /// uses the localhost gateway (<c>Orleans:GatewayPort</c>, or the explicit list <c>Orleans:Gateways</c>
    /// of <c>host:port</c> endpoints), Postgres the ADO.NET membership table.
    /// </summary>
    public static IClientBuilder UseBreakerClustering(this IClientBuilder client, IConfiguration configuration)
    {
        // Opt-in mutual TLS to the gateways, as the silos have it (Orleans:Tls).
        Auth.ClientTls.UseBreakerTls(client, configuration);
        client.Configure<ClusterOptions>(o =>
        {
            o.ServiceId = configuration["Orleans:ServiceId"] ?? "orleansbreaker";
            o.ClusterId = configuration["Orleans:ClusterId"] ?? "dev";
        });
        var provider = configuration["Storage:Provider"] ?? "Memory";
        if (string.Equals(provider, "Postgres", StringComparison.OrdinalIgnoreCase))
        {
            var connectionString = configuration["Storage:ConnectionString"];
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("Storage:Provider is Postgres but Storage:ConnectionString is empty.");
            }
            return client.UseBreakerPostgres(connectionString, configuration.GetValue<int?>("Storage:MaxPoolSize"));
        }
        var gateways = configuration.GetSection("Orleans:Gateways").Get<string[]>();
        if (gateways is { Length: > 0 })
        {
            return client.UseStaticClustering([.. gateways.Select(ParseEndpoint)]);
        }
        var gateway = configuration.GetValue("Orleans:GatewayPort", 30000);
        return client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gateway));
    }

    private static IPEndPoint ParseEndpoint(string text) =>
        IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new InvalidOperationException($"Orleans:Gateways entry '{text}' is not an IP endpoint such as 127.0.0.1:30000.");
}
