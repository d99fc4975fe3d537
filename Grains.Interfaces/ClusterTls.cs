using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansBreaker;

/// <summary>
/// TLS between silos and between clients and silos (configuration <c>Orleans:Tls</c>, opt-in): off unless
/// <c>Orleans:Tls:CertificatePath</c> names a PKCS#12 file. Every silo and client presents that
/// certificate and requires one from its peer; a peer is trusted when its certificate is this one or
/// has one of <c>Orleans:Tls:TrustedThumbprints</c> (SHA-256, for a rotation), so a self-signed
/// certificate shared through a Kubernetes Secret is enough and no CA is involved. The silo's
/// <c>UseBreakerTls</c> and the client's apply it with Microsoft.Orleans.Connections.Security.
/// </summary>
public sealed class ClusterTls
{
    public const string Section = "Orleans:Tls";

    private readonly HashSet<string> _trusted;

    private ClusterTls(X509Certificate2 certificate, IEnumerable<string> trusted)
    {
        Certificate = certificate;
        _trusted = new HashSet<string>(trusted, StringComparer.OrdinalIgnoreCase) { Thumbprint(certificate) };
    }

    /// <summary>The certificate this process presents (with its private key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// TLS as configured, or null when <paramref name="certificatePath"/> is empty (TLS off). Throws, with a
    /// message naming the setting, for a file that is missing, unreadable, without a private key or expired:
    /// a silo that cannot do what it was told must not start without it.
    /// </summary>
    public static ClusterTls? Load(string? certificatePath, string? password, string? trustedThumbprints, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(certificatePath))
        {
            if (!string.IsNullOrWhiteSpace(password) || !string.IsNullOrWhiteSpace(trustedThumbprints))
            {
                throw new InvalidOperationException($"{Section} has settings but no {Section}:CertificatePath: set the path of the PKCS#12 (.pfx) certificate, or remove the other {Section} settings.");
            }
            return null;
        }
        if (!File.Exists(certificatePath))
        {
            throw new InvalidOperationException($"{Section}:CertificatePath '{certificatePath}' does not exist.");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, string.IsNullOrEmpty(password) ? null : password);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"{Section}:CertificatePath '{certificatePath}' is not a PKCS#12 (.pfx) file this password ({Section}:CertificatePassword) opens: {ex.Message}", ex);
        }
        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"{Section}:CertificatePath '{certificatePath}' holds no private key: export the certificate with its key (PKCS#12).");
        }
        if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime || certificate.NotBefore.ToUniversalTime() > now.UtcDateTime)
        {
            throw new InvalidOperationException($"{Section}:CertificatePath '{certificatePath}' is valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}, not now.");
        }
        var trusted = (trustedThumbprints ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var thumbprint in trusted)
        {
            if (thumbprint.Length != 64 || !thumbprint.All(Uri.IsHexDigit))
            {
                throw new InvalidOperationException($"{Section}:TrustedThumbprints entry '{thumbprint}' is not a SHA-256 thumbprint (64 hex digits).");
            }
        }
        return new ClusterTls(certificate, trusted);
    }

    /// <summary>
    /// The peer's certificate is one we trust. Pinning replaces the platform's chain and name checks:
    /// silos are reached by IP address and the shared certificate is usually self-signed.
    /// </summary>
    public bool IsTrusted(X509Certificate2? remote, SslPolicyErrors errors) =>
        remote is not null && (errors & SslPolicyErrors.RemoteCertificateNotAvailable) == 0 && _trusted.Contains(Thumbprint(remote));

    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
