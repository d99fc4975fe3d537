using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansBreaker.Tests.Upstream;

/// <summary>
/// A tiny HTTP/1.1 server on loopback, written on raw sockets so it can misbehave exactly: every
/// request to <c>/v1/accounts/{scenario}/actions</c> gets the hostile answer named by the account id,
/// then the connection closes. It counts the requests per scenario (retries would show up there).
/// </summary>
public sealed class HostileProvider : IAsyncLifetime
{
    public const int HugeBodyBytes = 10 * 1024 * 1024;

    /// <summary>The cut body: the start of a delivered answer, then the connection ends.</summary>
    public const string CutBody = """{"result":"delivered""";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public HostileProvider()
    {
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress { get; }

    public ConcurrentDictionary<string, int> Hits { get; } = new();

    /// <summary>Paths exactly as requested (to check how the base URL composes).</summary>
    public ConcurrentQueue<string> Paths { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var path = await ReadRequestAsync(stream);
                Paths.Enqueue(path);
                var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
                var scenario = segments.Length >= 2 ? segments[^2] : "";
                Hits.AddOrUpdate(scenario, 1, (_, n) => n + 1);
                await AnswerAsync(scenario, stream);
            }
            catch (IOException)
            {
                // The client went away (expected for the huge body).
            }
        }
    }

    private static async Task AnswerAsync(string scenario, NetworkStream stream)
    {
        switch (scenario)
        {
            case "empty":
                await WriteAsync(stream, Head(200, 0));
                break;
            case "truncated":
                await WriteAsync(stream, Head(200, 36) + """{"result":"delivered","actionId":"ab""");
                break;
            case "text500":
                const string oops = "Internal Server Error: upstream exploded";
                await WriteAsync(stream, Head(500, oops.Length, "text/plain") + oops);
                break;
            case "huge":
                // A perfectly valid "delivered" answer, 10 MB long: it must still not be believed nor buffered.
                const string prefix = """{"result":"delivered","actionId":"x","pad":""";
                await WriteAsync(stream, Head(200, HugeBodyBytes) + prefix);
                var chunk = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
                var left = HugeBodyBytes - prefix.Length - 2;
                while (left > 0)
                {
                    var n = Math.Min(left, chunk.Length);
                    await stream.WriteAsync(chunk.AsMemory(0, n));
                    left -= n;
                }
                await WriteAsync(stream, "\"}");
                break;
            case "cut":
                // Promise 200 bytes, send the start of "delivered", then end the connection.
                await WriteAsync(stream, Head(200, 200) + CutBody);
                break;
            case "hangup":
                // Read the request, then close without a word: it may have been performed.
                break;
            default:
                const string ok = """{"result":"delivered","actionId":"stub"}""";
                await WriteAsync(stream, Head(200, ok.Length) + ok);
                break;
        }
    }

    private static string Head(int status, int length, string contentType = "application/json") =>
        $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n";

    private static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>Reads the head and the whole body (so that closing sends FIN, not RST) and returns the path.</summary>
    private static async Task<string> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 4 || !(buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("request ended early");
            }
            buffer.Add(one[0]);
        }
        var head = Encoding.ASCII.GetString([.. buffer]).Split("\r\n");
        var length = head.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim())).FirstOrDefault();
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return head[0].Split(' ')[1];
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
