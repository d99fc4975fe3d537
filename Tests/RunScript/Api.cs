using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace OrleansBreaker.Tests.RunScript;

/// <summary>The dashboard's REST API (API.md §3) and the simulator's control API (§4) at run.sh's fixed addresses.</summary>
public sealed class Api(string key) : IDisposable
{
    public static readonly Uri Dashboard = new("http://127.0.0.1:5080");
    public static readonly Uri Simulator = new("http://127.0.0.1:5090");

    /// <summary>Silo <paramref name="index"/>'s own HTTP port (run.sh: 5100+i): <c>/healthz</c> and <c>/metrics</c>.</summary>
    public static Uri Silo(int index) => new($"http://127.0.0.1:{5100 + index}");

    /// <summary>A GET on a silo's HTTP port: its status and body, or status 0 when nothing answers.</summary>
    public static async Task<(int Status, string Text)> SiloGetAsync(HttpClient http, int index, string path)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(Silo(index), path));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, "");
        }
    }

    /// <summary>Requests during a silo's death may wait for Orleans' response timeout (30 s); longer than that is a hang.</summary>
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(45) };

    public static async Task<bool> IsHealthyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(Dashboard, "/healthz"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>How many silos <c>/healthz</c> counts as active, or -1 when it does not answer 200.</summary>
    public static async Task<int> ActiveSilosAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(Dashboard, "/healthz"));
            return response.StatusCode == HttpStatusCode.OK
                ? JsonNode.Parse(await response.Content.ReadAsStringAsync())?["silos"]?.GetValue<int>() ?? -1
                : -1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return -1;
        }
    }

    /// <summary>Sends a request to the dashboard with this key; retries while the cluster answers 503 (a silo just died).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json = null, TimeSpan? retryFor = null)
    {
        var deadline = DateTime.UtcNow + (retryFor ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            using var request = new HttpRequestMessage(method, new Uri(Dashboard, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }
            HttpStatusCode status;
            string text;
            try
            {
                using var response = await _http.SendAsync(request);
                status = response.StatusCode;
                text = await response.Content.ReadAsStringAsync();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
                continue;
            }
            if (status == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
                continue;
            }
            return (status, text.Length == 0 ? null : JsonNode.Parse(text));
        }
    }

    public async Task<JsonNode> OkAsync(HttpMethod method, string path, string? json = null)
    {
        var (status, body) = await SendAsync(method, path, json);
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Accepted,
            $"{method} {path} answered {(int)status}: {body?.ToJsonString()}");
        return body!;
    }

    public async Task<JsonNode> SimAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(Simulator, path));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"simulator {method} {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Requests that reached the simulator and were delivered, all action types together.</summary>
    public async Task<long> DeliveredAsync(string accountId)
    {
        var account = await SimAsync(HttpMethod.Get, $"/sim/accounts/{accountId}");
        return account["delivered"]!.AsObject().Sum(kv => kv.Value!.GetValue<long>());
    }

    public async Task<long> DuplicateKeysAsync(string accountId) =>
        (await SimAsync(HttpMethod.Get, $"/sim/accounts/{accountId}"))["duplicateKeys"]!.GetValue<long>();

    /// <summary>
    /// The named prospects of a campaign, one GET each (the list endpoint of API.md §3,
    /// <c>GET .../prospects?status=</c>, is not served yet).
    /// </summary>
    public async Task<List<JsonNode>> ProspectsAsync(string ws, string campaignId, IEnumerable<string> ids)
    {
        var items = new List<JsonNode>();
        foreach (var id in ids)
        {
            items.Add(await OkAsync(HttpMethod.Get, $"/api/workspaces/{ws}/campaigns/{campaignId}/prospects/{id}"));
        }
        return items;
    }

    public void Dispose() => _http.Dispose();
}
