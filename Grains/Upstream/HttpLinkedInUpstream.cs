using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace OrleansBreaker.Upstream;

/// <summary>
/// The LinkedIn provider over HTTP: <c>POST {BaseUrl}/v1/accounts/{accountId}/actions</c> with
/// <c>{"action","prospectId","profileUrl","idempotencyKey"}</c>, answered in the <see cref="WireCodes"/> format.
/// It never retries (a retry could repeat an action LinkedIn performed) and never throws for transport
/// problems: what happened on the wire becomes an <see cref="UpstreamAnswer"/> for the classifier.
/// </summary>
public sealed partial class HttpLinkedInUpstream(
    IHttpClientFactory clients,
    IOptions<HttpUpstreamOptions> options,
    ILogger<HttpLinkedInUpstream> logger) : ILinkedInUpstream
{
    /// <summary>The name of the <see cref="HttpClient"/> this upstream takes from <see cref="IHttpClientFactory"/>.</summary>
    public const string ClientName = "OrleansBreaker.LinkedInUpstream";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// <c>GET {BaseUrl}/v1/outcomes?since={since}&amp;limit={limit}</c>: the provider-wide feed of accepts and replies.
    /// Entries that cannot be read (no account or prospect, an unknown kind or action) are dropped and
    /// logged, but the cursor moves past them: a broken entry must not stop the feed for everyone.
    /// </summary>
    public async Task<ProviderFeedPage> ReadFeedAsync(long since, int limit, CancellationToken cancellationToken)
    {
        WireOutcomePage? page;
        try
        {
            page = await clients.CreateClient(ClientName).GetFromJsonAsync<WireOutcomePage>($"v1/outcomes?since={since}&limit={limit}", Json, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException or NotSupportedException)
        {
            // A read: nothing is lost, the same page is asked for again next time.
            LogFeedUnreadable(since, ex.Message);
            return ProviderFeedPage.Empty(since);
        }
        var items = new List<ProviderOutcome>();
        var next = since;
        foreach (var o in page?.Items ?? [])
        {
            next = Math.Max(next, o.Seq);
            if (o.AccountId is null || o.ProspectId is null || o.Kind is not ("Accepted" or "Replied") || !ActionTypes.TryParse(o.Action, out var action))
            {
                LogFeedEntryDropped(o.Seq, o.AccountId, o.Kind, o.Action);
                continue;
            }
            items.Add(new ProviderOutcome(o.Seq, o.AccountId, o.ProspectId, o.Kind == "Accepted" ? EventKind.Accepted : EventKind.Replied, action, o.At, o.IdempotencyKey));
        }
        return new ProviderFeedPage(items, next);
    }

    private sealed record WireOutcomePage(IReadOnlyList<WireOutcome>? Items, long Next);

    private sealed record WireOutcome(long Seq, string? ProspectId, string? Kind, string? Action, DateTimeOffset At, string? IdempotencyKey, string? AccountId = null);

    public async Task<UpstreamAnswer> SendAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return UpstreamAnswer.NotConnected; // nothing left the process
        }
        // The caller's token is the real timeout; this one also bounds the body read, which
        // HttpClient.Timeout does not cover once the headers are in.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.Timeout);

        using var message = new HttpRequestMessage(HttpMethod.Post, $"v1/accounts/{Uri.EscapeDataString(request.AccountId)}/actions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new WireAction(request.Action.ToString(), request.ProspectId, request.ProfileUrl, request.IdempotencyKey), Json), Encoding.UTF8, "application/json"),
        };

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        }
        catch (HttpRequestException ex) when (NeverSent(ex))
        {
            LogNotConnected(request.AccountId, request.Action, request.IdempotencyKey, ex.HttpRequestError, ex.Message);
            return UpstreamAnswer.NotConnected;
        }
        catch (HttpRequestException ex)
        {
            // The request may have reached the provider (connection dropped, invalid answer): outcome unknown.
            LogNoAnswer(request.AccountId, request.Action, request.IdempotencyKey, ex.HttpRequestError.ToString(), ex.Message);
            return UpstreamAnswer.TimedOut;
        }
        catch (OperationCanceledException)
        {
            LogNoAnswer(request.AccountId, request.Action, request.IdempotencyKey, "Timeout", "no answer before the deadline");
            return UpstreamAnswer.TimedOut;
        }

        using (response)
        {
            var (body, complete) = await ReadCappedAsync(response.Content, deadline.Token);
            if (!complete)
            {
                LogBodyCut(request.AccountId, request.Action, request.IdempotencyKey, (int)response.StatusCode, body.Length);
            }
            // The status arrived, so the answer is an answer even when its body was cut: the classifier
            // treats a 2xx without a complete "delivered" body as uncertain, and a refusal as a refusal.
            return new UpstreamAnswer((int)response.StatusCode, body);
        }
    }

    /// <summary>Failures that happen before any byte of the request could have left: DNS, TCP connect, TLS, proxy tunnel.</summary>
    private static bool NeverSent(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError
        || (ex.HttpRequestError == HttpRequestError.Unknown && ex.InnerException is SocketException
        {
            SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
                or SocketError.NetworkUnreachable or SocketError.TryAgain or SocketError.NoData,
        });

    /// <summary>
    /// Reads at most <see cref="UpstreamClassifier.MaxBodyChars"/> + 1 characters: a longer body is not
    /// parsed anyway, and a hostile or broken provider must not make the silo buffer megabytes.
    /// Returns what arrived and whether the body ended normally (or was cut by the limit).
    /// </summary>
    private static async Task<(string Body, bool Complete)> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        const int limit = UpstreamClassifier.MaxBodyChars + 1;
        var text = new StringBuilder();
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(stream, EncodingOf(content), detectEncodingFromByteOrderMarks: true, bufferSize: 4096);
            var buffer = new char[4096];
            while (text.Length < limit)
            {
                var read = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, limit - text.Length)), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                text.Append(buffer, 0, read);
            }
            return (text.ToString(), true);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or DecoderFallbackException)
        {
            return (text.ToString(), false);
        }
    }

    private static Encoding EncodingOf(HttpContent content)
    {
        var charset = content.Headers.ContentType?.CharSet?.Trim('"', ' ');
        if (string.IsNullOrEmpty(charset))
        {
            return Encoding.UTF8;
        }
        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    /// <summary>
    /// Connects with its own timeout, so that a connection that was never made surfaces as a socket
    /// error (not connected: nothing was sent) rather than as the caller's timeout (outcome unknown).
    /// </summary>
    internal static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connect.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, connect.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed record WireAction(string Action, string ProspectId, string? ProfileUrl, string IdempotencyKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId}: {Action} {IdempotencyKey} not sent, the provider could not be reached ({Error}): {Detail}")]
    private partial void LogNotConnected(string accountId, ActionType action, string idempotencyKey, HttpRequestError error, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId}: {Action} {IdempotencyKey} got no answer ({Error}), outcome unknown: {Detail}")]
    private partial void LogNoAnswer(string accountId, ActionType action, string idempotencyKey, string error, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome feed after {Since} could not be read, asking again next time: {Detail}")]
    private partial void LogFeedUnreadable(long since, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome feed entry {Seq} dropped: account {AccountId}, kind {Kind}, action {Action} is not an accept or reply we can read")]
    private partial void LogFeedEntryDropped(long seq, string? accountId, string? kind, string? action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId}: {Action} {IdempotencyKey} answered HTTP {Status} but its body was cut after {Chars} characters")]
    private partial void LogBodyCut(string accountId, ActionType action, string idempotencyKey, int status, int chars);
}
