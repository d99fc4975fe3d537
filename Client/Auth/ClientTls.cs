using Orleans.Connections.Security;

namespace OrleansBreaker.Client.Auth;

public static class ClientTls
{
    /// <summary>
    /// Mutual TLS to the gateways when <c>Orleans:Tls:CertificatePath</c> is set (see <see cref="ClusterTls"/>),
    /// as the silos are configured; nothing otherwise. Throws at configuration time for a bad setting.
    /// </summary>
    public static IClientBuilder UseBreakerTls(this IClientBuilder client, IConfiguration configuration)
    {
        var tls = ClusterTls.Load(
            configuration[$"{ClusterTls.Section}:CertificatePath"],
            configuration[$"{ClusterTls.Section}:CertificatePassword"],
            configuration[$"{ClusterTls.Section}:TrustedThumbprints"],
            DateTimeOffset.UtcNow);
        if (tls is null)
        {
            return client;
        }
        return client.UseTls(tls.Certificate, o =>
        {
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.RemoteCertificateValidation = (certificate, _, errors) => tls.IsTrusted(certificate, errors);
        });
    }
}
