using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;
using OrleansBreaker.Simulator;

namespace OrleansBreaker.Tests.Simulator;

/// <summary>
/// The real simulator service, started in-process on a free loopback port, with a fake clock the
/// tests advance. One per test class; tests keep apart by using unique account ids.
/// </summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    /// <summary>Two hours before the end of November, so a test can watch the monthly renewal.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 30, 22, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        _app = SimulatorApp.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], Clock);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static string NewAccountId() => "sim-" + Guid.NewGuid().ToString("N")[..12];

    public Task<HttpResponseMessage> PutAsync(string accountId, string json) =>
        Http.PutAsync($"/sim/accounts/{accountId}", new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<JsonElement> ConfigureAsync(string accountId, string json)
    {
        using var response = await PutAsync(accountId, json);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> AccountAsync(string accountId)
    {
        using var response = await Http.GetAsync($"/sim/accounts/{accountId}");
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> OutcomesAsync(string accountId, string query = "")
    {
        using var response = await Http.GetAsync($"/sim/accounts/{accountId}/outcomes{query}");
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary><c>GET /sim/feed</c>: how often the provider API's feeds were read, and the newest entry of the provider-wide one.</summary>
    public async Task<JsonElement> FeedStatsAsync()
    {
        using var response = await Http.GetAsync("/sim/feed");
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>One provider call in the wire format the silo uses.</summary>
    public Task<HttpResponseMessage> ActAsync(string accountId, string action, string prospectId = "p1", string? key = null, HttpClient? client = null, CancellationToken cancellationToken = default)
    {
        var body = JsonSerializer.Serialize(new { action, prospectId, profileUrl = $"https://www.linkedin.com/in/{prospectId}", idempotencyKey = key ?? Guid.NewGuid().ToString("N") });
        return (client ?? Http).PostAsync($"/v1/accounts/{accountId}/actions", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
    }

    /// <summary>A count from <c>calls</c> or <c>delivered</c>, 0 when the action type is absent.</summary>
    public static int Count(JsonElement account, string counter, string action) =>
        account.GetProperty(counter).TryGetProperty(action, out var n) ? n.GetInt32() : 0;
}
