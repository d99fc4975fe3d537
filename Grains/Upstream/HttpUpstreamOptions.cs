using System.ComponentModel.DataAnnotations;

namespace OrleansBreaker.Upstream;

/// <summary>
/// How the silo reaches the LinkedIn provider over HTTP (configuration section <c>Upstream</c>).
/// Used only when the HTTP upstream is registered (<see cref="HttpLinkedInUpstreamServices.AddHttpLinkedInUpstream"/>).
/// </summary>
public sealed class HttpUpstreamOptions : IValidatableObject
{
    public const string Section = "Upstream";

    /// <summary>Absolute http(s) URL of the provider API, e.g. <c>http://127.0.0.1:5090</c> (the simulator). Required.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// Backstop for one whole call, body included. The account grain passes a token with its own,
    /// shorter timeout (<c>Dispatch:UpstreamTimeout</c>); this only bounds callers that pass none. Default 2 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long establishing a TCP connection may take. A connection that was never made certainly
    /// sent nothing, so its failure is "not connected" (safe), not "timed out" (outcome unknown).
    /// Keep it below <c>Dispatch:UpstreamTimeout</c>. Default 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The validated base address, with a trailing slash so relative paths append to it.</summary>
    /// <remarks>A method, not a property: the data-annotations validator reads every property, valid or not.</remarks>
    public Uri GetBaseUri() => TryParse(BaseUrl, out var uri) ? uri : throw new InvalidOperationException($"Upstream:BaseUrl '{BaseUrl}' is not valid.");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(BaseUrl))
        {
            yield return new ValidationResult(
                "Upstream:BaseUrl is empty. Set it to the provider's absolute http(s) URL, e.g. Upstream__BaseUrl=http://127.0.0.1:5090.",
                [nameof(BaseUrl)]);
        }
        else if (!TryParse(BaseUrl, out _))
        {
            yield return new ValidationResult(
                $"Upstream:BaseUrl '{BaseUrl}' is not an absolute http(s) URL. Use e.g. http://127.0.0.1:5090.",
                [nameof(BaseUrl)]);
        }
    }

    private static bool TryParse(string? text, out Uri uri)
    {
        uri = null!;
        if (!Uri.TryCreate(text?.Trim(), UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(parsed.Query) || !string.IsNullOrEmpty(parsed.Fragment))
        {
            return false;
        }
        uri = parsed.AbsoluteUri.EndsWith('/') ? parsed : new Uri(parsed.AbsoluteUri + "/");
        return true;
    }
}
