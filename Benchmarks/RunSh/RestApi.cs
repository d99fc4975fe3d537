using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// The dashboard's REST API (API.md §3) and the simulator's control API (§4) at run.sh's fixed
/// addresses, as an outreach service would call them: one HTTP client, keep-alive connections.
/// Every write is timed from the request to the end of its answer.
/// </summary>
internal sealed class RestApi : IDisposable
{
    public static readonly Uri Dashboard = new("http://127.0.0.1:5080");
    public static readonly Uri Simulator = new("http://127.0.0.1:5090");

    // Generous: under today's load one write has been seen to take seconds; a hang is still a failure.
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        Timeout = TimeSpan.FromMinutes(2),
    };

    public string? Key { get; set; }

    /// <summary>Sends one write; records its latency and, unless it answered 2xx, why it failed.</summary>
    public async Task<JsonElement?> WriteAsync(HttpMethod method, string path, string json, Latencies into, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(Dashboard, path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var elapsed = Stopwatch.GetTimestamp() - start;
            if (!response.IsSuccessStatusCode)
            {
                into.Record(elapsed, $"{method} {path}: {(int)response.StatusCode} {Shorten(text)}");
                return null;
            }
            into.Record(elapsed, null);
            return text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            into.Record(Stopwatch.GetTimestamp() - start, $"{method} {path}: {ex.GetType().Name} {ex.Message}");
            return null;
        }
    }

    public async Task<JsonElement> GetAsync(Uri root, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, path));
        if (root == Dashboard)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        }
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {Shorten(text)}");
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The simulator's totals over every account (<c>GET /sim/stats</c>).</summary>
    public async Task<SimTotals> SimStatsAsync(CancellationToken cancellationToken)
    {
        var json = await GetAsync(Simulator, "/sim/stats", cancellationToken);
        return new SimTotals(Stopwatch.GetTimestamp(), json.GetProperty("accounts").GetInt32(), json.GetProperty("calls").GetInt64(),
            json.GetProperty("delivered").GetInt64(), json.GetProperty("duplicateKeys").GetInt64());
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    public void Dispose() => _http.Dispose();
}

public sealed record SimTotals(long Timestamp, int Accounts, long Calls, long Delivered, long DuplicateKeys)
{
    public double SecondsSince(SimTotals before) => (Timestamp - before.Timestamp) / (double)Stopwatch.Frequency;

    public double DeliveriesPerSecondSince(SimTotals before) => (Delivered - before.Delivered) / SecondsSince(before);
}
