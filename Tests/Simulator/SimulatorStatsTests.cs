using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansBreaker.Tests.Simulator;

/// <summary><c>GET /sim/stats</c>: the control API's counters totalled over every account, in one call (a load test's view).</summary>
public sealed class SimulatorStatsTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task Stats_TotalCallsDeliveredAndDuplicateKeys_OverEveryAccountARequestNamed()
    {
        var before = await StatsAsync();
        var a = SimulatorFixture.NewAccountId();
        var b = SimulatorFixture.NewAccountId();
        var idle = SimulatorFixture.NewAccountId();
        await sim.ConfigureAsync(b, """{"inMailCredits":1}""");
        await sim.ConfigureAsync(idle, """{"latencyMs":0}""");

        (await sim.ActAsync(a, "ViewProfile", key: "k1")).Dispose();
        (await sim.ActAsync(a, "ViewProfile", key: "k1")).Dispose(); // a repeated key: delivered again, counted as a duplicate
        (await sim.ActAsync(a, "Invite", key: "k2")).Dispose();
        (await sim.ActAsync(b, "InMail", key: "k3")).Dispose();
        (await sim.ActAsync(b, "InMail", key: "k4")).Dispose(); // refused: no credits left

        var after = await StatsAsync();
        var sum = await SumAsync(a, b, idle);
        Assert.Equal(before.Accounts + 3, after.Accounts);
        Assert.Equal(5, after.Calls - before.Calls);
        Assert.Equal(sum.Delivered, after.Delivered - before.Delivered);
        Assert.Equal(sum.DuplicateKeys, after.DuplicateKeys - before.DuplicateKeys);
        Assert.Equal(1, after.DuplicateKeys - before.DuplicateKeys);
        Assert.Equal(2, after.ByAction("callsByAction", "InMail") - before.ByAction("callsByAction", "InMail"));
        Assert.Equal(1, after.ByAction("deliveredByAction", "InMail") - before.ByAction("deliveredByAction", "InMail"));
    }

    [Fact]
    public async Task Stats_IgnoreInvalidAccountIds()
    {
        var before = await StatsAsync();

        using var response = await sim.Http.GetAsync("/sim/accounts/not%20valid");

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(before.Accounts, (await StatsAsync()).Accounts);
    }

    private async Task<Stats> StatsAsync()
    {
        using var response = await sim.Http.GetAsync("/sim/stats");
        Assert.Equal(200, (int)response.StatusCode);
        return new Stats(await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private async Task<(long Delivered, long DuplicateKeys)> SumAsync(params string[] ids)
    {
        long delivered = 0, duplicates = 0;
        foreach (var id in ids)
        {
            var account = await sim.AccountAsync(id);
            delivered += account.GetProperty("delivered").EnumerateObject().Sum(p => p.Value.GetInt64());
            duplicates += account.GetProperty("duplicateKeys").GetInt64();
        }
        return (delivered, duplicates);
    }

    private sealed record Stats(JsonElement Json)
    {
        public int Accounts => Json.GetProperty("accounts").GetInt32();

        public long Calls => Json.GetProperty("calls").GetInt64();

        public long Delivered => Json.GetProperty("delivered").GetInt64();

        public long DuplicateKeys => Json.GetProperty("duplicateKeys").GetInt64();

        public long ByAction(string counter, string action) =>
            Json.GetProperty(counter).TryGetProperty(action, out var n) ? n.GetInt64() : 0;
    }
}
