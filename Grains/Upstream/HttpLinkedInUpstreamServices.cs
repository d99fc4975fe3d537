using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrleansBreaker.Upstream;

/// <summary>Registers <see cref="HttpLinkedInUpstream"/> as the silo's <see cref="ILinkedInUpstream"/>.</summary>
public static class HttpLinkedInUpstreamServices
{
    /// <summary>
    /// Binds and validates <see cref="HttpUpstreamOptions"/> (section <c>Upstream</c>) and makes the HTTP
    /// upstream the only <see cref="ILinkedInUpstream"/>, replacing any registered before.
    /// </summary>
    public static IServiceCollection AddHttpLinkedInUpstream(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpUpstreamOptions>()
            .Bind(configuration.GetSection(HttpUpstreamOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Deliberately no resilience or retry handler: a retried POST could repeat an action LinkedIn
        // already performed. A failed call is classified once and the account grain decides.
        services.AddHttpClient(HttpLinkedInUpstream.ClientName)
            .ConfigureHttpClient((sp, client) =>
            {
                var o = sp.GetRequiredService<IOptions<HttpUpstreamOptions>>().Value;
                client.BaseAddress = o.GetBaseUri();
                client.Timeout = o.Timeout;
                client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var o = sp.GetRequiredService<IOptions<HttpUpstreamOptions>>().Value;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    // Below the usual server keep-alive (Kestrel: 130 s), so we rarely write on a
                    // connection the server is closing.
                    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
                    ConnectCallback = (context, ct) => HttpLinkedInUpstream.ConnectAsync(context, o.ConnectTimeout, ct),
                };
            })
            // The factory's per-request Information logs would be one line per action at hundreds per second;
            // the upstream logs its own failures with the account and idempotency key.
            .RemoveAllLoggers();

        services.TryAddSingleton<HttpLinkedInUpstream>();
        services.RemoveAll<ILinkedInUpstream>();
        services.AddSingleton<ILinkedInUpstream>(sp => sp.GetRequiredService<HttpLinkedInUpstream>());
        return services;
    }
}
