using Microsoft.Extensions.Configuration;

namespace OrleansBreaker.Upstream;

/// <summary>Which LinkedIn the silo talks to (configuration <c>Upstream:Provider</c>). No default: a typo must not "deliver" to a stand-in.</summary>
public enum UpstreamProvider
{
    /// <summary>The in-process <see cref="SimulatedLinkedIn"/>: demos and tests only (the Development profile).</summary>
    Simulated,
    /// <summary>A provider API over HTTP at <c>Upstream:BaseUrl</c> (the simulator service, or the real provider).</summary>
    Http,
}

public static class UpstreamProviders
{
    public const string Key = "Upstream:Provider";

    /// <summary>The configured provider, by name (case-insensitive); throws, naming the valid values, when it is missing or unknown.</summary>
    public static UpstreamProvider Read(IConfiguration configuration)
    {
        var text = configuration[Key];
        var names = string.Join(", ", Enum.GetNames<UpstreamProvider>());
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidOperationException(
                $"{Key} is not set. Choose one of {names}: Http for a provider API at Upstream:BaseUrl " +
                "(e.g. Upstream__Provider=Http Upstream__BaseUrl=http://127.0.0.1:5090), Simulated for the in-process stand-in (demos and tests).");
        }
        // Names only: Enum.TryParse would also take "1".
        var match = Array.Find(Enum.GetNames<UpstreamProvider>(), n => string.Equals(n, text.Trim(), StringComparison.OrdinalIgnoreCase));
        return match is not null
            ? Enum.Parse<UpstreamProvider>(match)
            : throw new InvalidOperationException($"{Key} '{text}' is not one of {names}.");
    }
}
