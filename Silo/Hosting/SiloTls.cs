using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace OrleansBreaker.Silo.Hosting;

public static class SiloTls
{
    /// <summary>
    /// Mutual TLS on the silo and gateway ports when <c>Orleans:Tls:CertificatePath</c> is set (see
    /// <see cref="ClusterTls"/>); nothing otherwise. Throws at configuration time for a bad setting.
    /// </summary>
    public static ISiloBuilder UseBreakerTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (Load(configuration) is not { } tls)
        {
            return silo;
        }
        return silo.UseTls(tls.Certificate, o =>
        {
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            // Clients (the dashboard, the report Job) must present the certificate too: the gateway
            // port is otherwise a way around the API keys.
            o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.RemoteCertificateValidation = (certificate, _, errors) => tls.IsTrusted(certificate, errors);
        });
    }

    internal static ClusterTls? Load(IConfiguration configuration) => ClusterTls.Load(
        configuration[$"{ClusterTls.Section}:CertificatePath"],
        configuration[$"{ClusterTls.Section}:CertificatePassword"],
        configuration[$"{ClusterTls.Section}:TrustedThumbprints"],
        DateTimeOffset.UtcNow);
}
