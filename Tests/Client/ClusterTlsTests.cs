using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.TestingHost;
using OrleansBreaker.Client;
using OrleansBreaker.Client.Auth;
using OrleansBreaker.Silo.Hosting;
using OrleansBreaker.Tests.Cluster;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// Opt-in mutual TLS between silos and clients (<c>Orleans:Tls</c>, Microsoft.Orleans.Connections.Security):
/// with the shared certificate a silo and the dashboard talk; without it, or with another certificate, a
/// client cannot even connect to the gateway.
/// </summary>
public sealed class ClusterTlsTests(ClusterTlsTests.TlsCluster fixture) : IClassFixture<ClusterTlsTests.TlsCluster>
{
    private const string Password = "test-pfx-password";
    private readonly string _folder = fixture.Folder;
    private readonly string _certificate = fixture.Certificate;
    private readonly TestCluster _cluster = fixture.Cluster;

    /// <summary>One TLS cluster for the class, with the certificate every silo and client shares.</summary>
    public sealed class TlsCluster : IAsyncLifetime
    {
        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "orleansbreaker-tls-" + Guid.NewGuid().ToString("N"));

        public string Certificate { get; private set; } = null!;

        public TestCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Folder);
            Certificate = SelfSigned(Folder, "shared.pfx");
            // Two silos: the second joins over the silo port, so silo-to-silo TLS is exercised too.
            var builder = new TestClusterBuilder(2);
            builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
            builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(Tls(Certificate)));
            builder.AddSiloBuilderConfigurator<TlsSiloConfigurator>();
            builder.AddClientBuilderConfigurator<TlsClientConfigurator>();
            Cluster = builder.Build();
            await Cluster.DeployAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }

        public async Task DisposeAsync()
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
            Directory.Delete(Folder, recursive: true);
        }
    }

    [Fact]
    public async Task ASiloAndTheDashboard_WithTheSharedCertificate_Talk()
    {
        // Both silos joined over TLS, and the cluster's own client came in over TLS; the dashboard joins as in production.
        var hosts = await _cluster.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        var account = _cluster.Client.GetGrain<IAccountGrain>(GrainKeys.Scoped("tls-ws", "tls-acct"));
        Assert.True((await account.ConfigureAsync(new AccountSettings { TimeZone = "UTC" })).Exists);

        await using var app = DashboardApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--Auth:AdminKey=tls-test-admin-key-0123456789",
            $"--Orleans:ServiceId={_cluster.Options.ServiceId}",
            $"--Orleans:ClusterId={_cluster.Options.ClusterId}",
            $"--Orleans:Gateways:0={Gateway}",
            "--Storage:Provider=Memory",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            $"--Orleans:Tls:CertificatePath={_certificate}",
            $"--Orleans:Tls:CertificatePassword={Password}",
        ]);
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(90));
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
            using var health = await http.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task ABareClientWithTheSharedCertificate_Connects()
    {
        // The control for the two below: the same client, only its TLS settings differ.
        await ConnectAsync(Tls(_certificate));
    }

    [Fact]
    public async Task AClientWithoutTls_CannotConnect()
    {
        var error = await Record.ExceptionAsync(() => ConnectAsync(new Dictionary<string, string?>()));

        AssertRefused(error);
    }

    [Fact]
    public async Task AClientWithAnotherCertificate_CannotConnect()
    {
        var error = await Record.ExceptionAsync(() => ConnectAsync(Tls(SelfSigned(_folder, "intruder.pfx"))));

        AssertRefused(error);
    }

    [Fact]
    public void AMissingOrWrongCertificate_StopsTheSiloBeforeItStarts()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => SiloWith(Tls(Path.Combine(_folder, "nowhere.pfx"))).AddBreakerSilo());
        var wrongPassword = Assert.Throws<InvalidOperationException>(() =>
            SiloWith(new() { ["Orleans:Tls:CertificatePath"] = _certificate, ["Orleans:Tls:CertificatePassword"] = "wrong" }).AddBreakerSilo());
        var noPath = Assert.Throws<InvalidOperationException>(() => SiloWith(new() { ["Orleans:Tls:CertificatePassword"] = Password }).AddBreakerSilo());

        Assert.Contains("Orleans:Tls:CertificatePath", missing.Message);
        Assert.Contains("does not exist", missing.Message);
        Assert.Contains("CertificatePassword", wrongPassword.Message);
        Assert.Contains("no Orleans:Tls:CertificatePath", noPath.Message);
    }

    private string Gateway => _cluster.Primary?.GatewayAddress?.Endpoint.ToString() ?? throw new InvalidOperationException("The test silo has no gateway.");

    /// <summary>A bare Orleans client to the silo's gateway, with these settings; throws when it cannot connect.</summary>
    private async Task ConnectAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:ServiceId"] = _cluster.Options.ServiceId,
            ["Orleans:ClusterId"] = _cluster.Options.ClusterId,
            ["Orleans:Gateways:0"] = Gateway,
        });
        // No retries: a refused connection fails the start at once instead of trying until a timeout.
        builder.UseOrleansClient(client => client.UseBreakerClustering(builder.Configuration)
            .UseConnectionRetryFilter((_, _) => Task.FromResult(false)));
        using var host = builder.Build();
        try
        {
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
            // Connected after all: a grain call must still fail for the test to pass.
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<IAccountGrain>(GrainKeys.Scoped("tls-ws", "tls-acct")).GetViewAsync()
                .WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>The start failed because the gateway turned the connection down, not because a test bound ran out.</summary>
    private static void AssertRefused(Exception? error)
    {
        Assert.NotNull(error);
        Assert.IsNotType<TimeoutException>(error);
    }

    private static HostApplicationBuilder SiloWith(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Upstream:Provider"] = "Simulated" });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    private static Dictionary<string, string?> Tls(string path) => new()
    {
        ["Orleans:Tls:CertificatePath"] = path,
        ["Orleans:Tls:CertificatePassword"] = Password,
    };

    /// <summary>A self-signed certificate usable for server and client authentication, as a password-protected .pfx.</summary>
    private static string SelfSigned(string folder, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=orleansbreaker-{Path.GetFileNameWithoutExtension(name)}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }

    public sealed class TlsSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            new EmbeddedSiloConfigurator().Configure(siloBuilder);
            siloBuilder.UseBreakerTls(siloBuilder.Configuration);
        }
    }

    public sealed class TlsClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.UseBreakerTls(configuration);
    }
}
