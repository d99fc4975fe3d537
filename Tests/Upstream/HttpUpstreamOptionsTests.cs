using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansBreaker.Hosting;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Tests.Upstream;

public sealed class HttpUpstreamOptionsTests
{
    [Theory]
    [InlineData(null, "Upstream:BaseUrl is empty")]
    [InlineData("", "Upstream:BaseUrl is empty")]
    [InlineData("localhost:5090", "is not an absolute http(s) URL")]
    [InlineData("/v1", "is not an absolute http(s) URL")]
    [InlineData("ftp://127.0.0.1:5090", "is not an absolute http(s) URL")]
    [InlineData("http://127.0.0.1:5090/?x=1", "is not an absolute http(s) URL")]
    public async Task InvalidBaseUrl_FailsAtStart_WithAMessageNamingTheSetting(string? baseUrl, string message)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHttpLinkedInUpstream(Configuration(baseUrl));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5090", "http://127.0.0.1:5090/")]
    [InlineData("https://provider.example/api", "https://provider.example/api/")]
    public async Task ValidBaseUrl_Starts_AndBecomesTheOnlyUpstream(string baseUrl, string baseUri)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<ILinkedInUpstream>(new SimulatedLinkedIn(TimeProvider.System));
        builder.Services.AddHttpLinkedInUpstream(Configuration(baseUrl));
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        Assert.IsType<HttpLinkedInUpstream>(Assert.Single(host.Services.GetServices<ILinkedInUpstream>()));
        Assert.Equal(new Uri(baseUri), host.Services.GetRequiredService<IOptions<HttpUpstreamOptions>>().Value.GetBaseUri());
    }

    [Theory]
    [InlineData(null, "Upstream:Provider is not set")]
    [InlineData("", "Upstream:Provider is not set")]
    [InlineData("Htpp", "Upstream:Provider 'Htpp' is not one of Simulated, Http")]
    [InlineData("Real", "Upstream:Provider 'Real' is not one of Simulated, Http")]
    [InlineData("1", "Upstream:Provider '1' is not one of Simulated, Http")]
    public void AnUnknownOrMissingProvider_FailsTheStart_NamingTheValidValues(string? provider, string message)
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddBreakerServices(Settings(provider, "http://127.0.0.1:5090")));

        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("Simulated", typeof(SimulatedLinkedIn))]
    [InlineData("simulated", typeof(SimulatedLinkedIn))]
    [InlineData("Http", typeof(HttpLinkedInUpstream))]
    [InlineData("HTTP", typeof(HttpLinkedInUpstream))]
    public void TheProviderIsTheOneNamed_CaseInsensitive(string provider, Type upstream)
    {
        var services = new ServiceCollection();
        services.AddLogging();

        services.AddBreakerServices(Settings(provider, "http://127.0.0.1:5090"));
        using var provided = services.BuildServiceProvider();

        Assert.IsType(upstream, Assert.Single(provided.GetServices<ILinkedInUpstream>()));
    }

    private static IConfiguration Settings(string? provider, string? baseUrl) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Upstream:Provider"] = provider,
            ["Upstream:BaseUrl"] = baseUrl,
        }).Build();

    private static IConfiguration Configuration(string? baseUrl) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Upstream:BaseUrl"] = baseUrl }).Build();
}
