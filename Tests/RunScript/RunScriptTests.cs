using Xunit.Abstractions;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace OrleansBreaker.Tests.RunScript;

[CollectionDefinition(Name)]
public sealed class RunScriptCollection
{
    /// <summary>run.sh listens on fixed ports (5080, 5090, 11111+, 30000+, 55432): its tests run one after another.</summary>
    public const string Name = "run.sh";
}

/// <summary>
/// <c>./run.sh</c> itself, black-box, in each mode of the README: started as a subprocess, used through
/// the REST API and the simulator, stopped with SIGTERM to run.sh alone.
/// </summary>
[Collection(RunScriptCollection.Name)]
public sealed class RunScriptTests(ITestOutputHelper output) : IDisposable
{
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();

    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(90);

    private readonly string _adminKey = "rs-admin-" + Guid.NewGuid().ToString("N");
    private readonly string _root = CreateRoot();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private void Log(string message) => output.WriteLine($"{_watch.Elapsed.TotalSeconds,6:0.0}s {message}");

    private string PgData => Path.Combine(_root, "pg");

    /// <summary>A fresh folder; as root, PostgreSQL runs as 'postgres', which must reach the data folder through it.</summary>
    private static string CreateRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "runsh-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));
        }
        return root;
    }

    private Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string> { ["Auth__AdminKey"] = _adminKey, ["BREAKER_PG_DATA"] = PgData };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }
        return environment;
    }

    private static int SiloHttpPort(int index) => Api.Silo(index).Port;

    private static int[] Ports(int silos, bool postgres) =>
        [5080, 5090, .. Enumerable.Range(0, silos).SelectMany(i => new[] { 11111 + i, 30000 + i, SiloHttpPort(i) }), .. postgres ? new[] { 55432 } : []];

    [Fact]
    public async Task Embedded_run_delivers_honours_Clock_Start_everywhere_and_a_SIGTERM_stops_everything()
    {
        await AssertPortsFreeAsync(Ports(1, postgres: false));
        var clockStart = new DateTimeOffset(2027, 3, 10, 9, 0, 0, TimeSpan.Zero);
        var launched = DateTimeOffset.UtcNow;
        await using var run = RunScript.Start(Environment(("Clock__Start", "2027-03-10T09:00:00Z")));
        using var watcher = new CommandLineWatcher(run.Pid);
        await run.WaitHealthyAsync(_http);
        // The banner comes after the demo workspace's key was fetched: by then run.sh's own curl has run.
        await Eventually.HoldsAsync(() => run.Output.Contains("Ctrl-C stops everything", StringComparison.Ordinal), TimeSpan.FromMinutes(1), () => run.Tail());

        using var admin = new Api(_adminKey);
        var (key, campaign) = await DispatchOneAsync(admin, "rs-embedded", "rs-emb-a1");

        // Each process's clock starts at Clock__Start and runs at real speed.
        bool Honoured(DateTimeOffset at) => at >= clockStart && at <= clockStart + (DateTimeOffset.UtcNow - launched) + TimeSpan.FromMinutes(1);
        var simulatorNow = DateTimeOffset.Parse((await admin.SimAsync(HttpMethod.Get, "/sim/clock"))["now"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.True(Honoured(simulatorNow), $"simulator clock {simulatorNow:O}");
        using var workspace = new Api(key);
        var siloSent = await FirstActivityAsync(workspace, "rs-embedded", campaign, "ViewProfile");
        Assert.True(Honoured(siloSent), $"silo: the Sent activity is dated {siloSent:O}");
        // No `at`: the dashboard client dates the event with its own clock.
        await workspace.OkAsync(HttpMethod.Post, "/api/workspaces/rs-embedded/events",
            $$"""{"accountId":"rs-emb-a1","action":"InMail","kind":"Sent","prospectId":"p1","campaignId":"{{campaign}}","source":"rs-clock"}""");
        var clientDated = await FirstActivityAsync(workspace, "rs-embedded", campaign, "InMail");
        Assert.True(Honoured(clientDated), $"client: the posted event is dated {clientDated:O}");

        // The silo process's own /healthz and /metrics (its delivery counted there), and the dashboard's own /metrics.
        var (health, healthBody) = await Api.SiloGetAsync(_http, 0, "/healthz");
        Assert.True(health == 200, $"silo /healthz: {health} {healthBody}");
        var siloMetrics = await SiloMetricsAsync(0, text => SampleLines(text, "breaker_dispatch_outcomes_total{").Any(l => l.Contains("action=\"ViewProfile\"") && l.Contains("class=\"Delivered\"")));
        Assert.Contains("# TYPE orleans_", siloMetrics);
        using (var dashboardMetrics = await _http.GetAsync(new Uri(Api.Dashboard, "/metrics")))
        {
            var text = await dashboardMetrics.Content.ReadAsStringAsync();
            Assert.True(dashboardMetrics.IsSuccessStatusCode, text);
            Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text);
            Assert.DoesNotContain("breaker_dispatch_outcomes_total", text);
        }

        var started = run.Descendants();
        Assert.Contains(started.Values, c => c.Contains("OrleansBreaker.Silo.dll", StringComparison.Ordinal));
        await StopAndAssertReleasedAsync(run, started, Ports(1, postgres: false));
        watcher.AssertNeverSaw(_adminKey);
    }

    [Fact]
    public async Task Postgres_run_keeps_the_workspace_key_across_a_hard_kill_reuses_its_stale_server_and_a_SIGTERM_stops_everything_even_a_frozen_silo()
    {
        var ports = Ports(1, postgres: true);
        await AssertPortsFreeAsync(ports);
        string key;
        await using (var first = RunScript.Start(Environment(), "--postgres"))
        {
            using var watcher = new CommandLineWatcher(first.Pid);
            await first.WaitHealthyAsync(_http);
            await Eventually.HoldsAsync(() => first.Output.Contains("Ctrl-C stops everything", StringComparison.Ordinal), TimeSpan.FromMinutes(1), () => first.Tail());
            watcher.AssertNeverSaw(_adminKey);
            using var admin = new Api(_adminKey);
            (key, _) = await DispatchOneAsync(admin, "rs-durable", "rs-pg-a1");
            await PoolMovesInMailToASeatWithCreditsAsync(admin, key, "rs-durable");
            // Killed hard, as a closed terminal or an OOM kill would: PostgreSQL of .data/pg stays behind.
            await first.KillHardAsync();
            first.KeepPostgres = true;
            Assert.True(first.PostmasterPid() is { } stale && ProcessTree.IsAlive(stale), "PostgreSQL should outlive a hard kill of run.sh");
        }

        await using var second = RunScript.Start(Environment(("RUN_STOP_TIMEOUT", "10")), "--postgres");
        await second.WaitHealthyAsync(_http);
        Assert.Contains("reusing it", second.Output, StringComparison.Ordinal);
        using (var workspace = new Api(key))
        {
            var accounts = await workspace.OkAsync(HttpMethod.Get, "/api/workspaces/rs-durable/accounts");
            Assert.Contains(accounts["items"]!.AsArray(), a => a!["id"]!.GetValue<string>() == "rs-pg-a1");
        }
        var started = second.Descendants();
        // A silo that cannot stop in time (frozen with SIGSTOP, as a starved machine would keep it from
        // running): run.sh kills it after RUN_STOP_TIMEOUT and still stops PostgreSQL.
        var silo = started.Single(p => p.Value.Contains("OrleansBreaker.Silo.dll", StringComparison.Ordinal)).Key;
        ProcessTree.Signal(silo, ProcessTree.SigStop);
        await StopAndAssertReleasedAsync(second, started, ports);
        Assert.Contains("did not stop within 10s; killing it", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_run_fails_fast_with_a_clear_message_when_its_port_is_taken()
    {
        await AssertPortsFreeAsync(Ports(1, postgres: true));
        using var squatter = new TcpListener(IPAddress.Loopback, 55432);
        squatter.Start();
        await using var run = RunScript.Start(Environment(), "--postgres");

        await Eventually.HoldsAsync(() => run.HasExited, TimeSpan.FromMinutes(2), () => "run.sh went on:\n" + run.Tail());
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("port 127.0.0.1:55432 is taken by another process", run.Output, StringComparison.Ordinal);
        Assert.Contains("run.sh: PostgreSQL did not start", run.Output, StringComparison.Ordinal);
        Assert.False(RunScript.IsListening(5090), "nothing else should have been started");
    }

    [Fact]
    public async Task Three_silos_lose_two_to_SIGKILL_while_dispatching_without_a_double_send_a_lost_count_a_lost_prospect_or_a_closed_trip()
    {
        var ports = Ports(3, postgres: true);
        await AssertPortsFreeAsync(ports);
        await using var run = RunScript.Start(Environment(), "--postgres", "--silos", "3", "--no-demo");
        await run.WaitHealthyAsync(_http);
        Log("healthy");
        // Every silo process answers on its own HTTP port once it is active in the cluster.
        foreach (var i in Enumerable.Range(0, 3))
        {
            await Eventually.TrueAsync(async () => (await Api.SiloGetAsync(_http, i, "/healthz")).Status == 200, TimeSpan.FromMinutes(2),
                () => $"silo {i + 1}'s /healthz is not 200:\n" + run.Tail());
        }
        Log("every silo's /healthz is 200");
        using var admin = new Api(_adminKey);
        const string ws = "rs-three";
        var key = (await admin.OkAsync(HttpMethod.Post, "/api/workspaces", $$"""{"id":"{{ws}}"}"""))["apiKey"]!.GetValue<string>();
        using var api = new Api(key);

        // A trip before the kills: no InMail credits at the simulator, one InMail campaign.
        await admin.SimAsync(HttpMethod.Put, "/sim/accounts/rs3-trip", """{"inMailCredits":0}""");
        await api.OkAsync(HttpMethod.Put, $"/api/workspaces/{ws}/accounts/rs3-trip", "{}");
        await api.OkAsync(HttpMethod.Put, $"/api/workspaces/{ws}/campaigns/trip", """{"accountId":"rs3-trip","steps":[{"action":"InMail"}]}""");
        await AddProspectsAsync(api, ws, "trip", 3);
        await Eventually.TrueAsync(async () => await InMailBreakerAsync(api, ws, "rs3-trip") == "Open", DeliveryTimeout, () => "the InMail breaker never tripped");
        Log("InMail breaker open");
        // The trip is counted by the silo that holds the account, in its own /metrics: a scraper of every silo sees it once.
        var scrapes = new string[3];
        await Eventually.TrueAsync(async () =>
        {
            foreach (var i in Enumerable.Range(0, 3))
            {
                var (status, text) = await Api.SiloGetAsync(_http, i, "/metrics");
                Assert.True(status == 200, $"silo {i + 1}'s /metrics: {status}");
                scrapes[i] = text;
            }
            return scrapes.Sum(t => SampleLines(t, "breaker_trips_total{").Count(l => l.Contains("action=\"InMail\"") && l.Contains("reason=\"CreditsExhausted\""))) == 1;
        }, TimeSpan.FromSeconds(30), () => "no silo, or more than one, counts the InMail trip:\n" + string.Join("\n---\n", scrapes.Select(t => string.Join('\n', SampleLines(t ?? "", "breaker_")))));
        Log("the trip is in one silo's /metrics");

        // Campaigns dispatching on four accounts while two silos die.
        string[] accounts = ["rs3-a1", "rs3-a2", "rs3-a3", "rs3-a4"];
        const int prospects = 10;
        foreach (var account in accounts)
        {
            await api.OkAsync(HttpMethod.Put, $"/api/workspaces/{ws}/accounts/{account}", "{}");
            await api.OkAsync(HttpMethod.Put, $"/api/workspaces/{ws}/campaigns/c-{account}",
                $$"""{"accountId":"{{account}}","steps":[{"action":"ViewProfile"},{"action":"Invite"}]}""");
            await AddProspectsAsync(api, ws, "c-" + account, prospects);
        }
        async Task<long> TotalDeliveredAsync()
        {
            long total = 0;
            foreach (var account in accounts)
            {
                total += await admin.DeliveredAsync(account);
            }
            return total;
        }
        var silos = run.Descendants().Where(p => p.Value.Contains("OrleansBreaker.Silo.dll", StringComparison.Ordinal)).Select(p => p.Key).Order().ToList();
        Assert.Equal(3, silos.Count);
        var before = await TotalDeliveredAsync();
        await Eventually.TrueAsync(async () => await TotalDeliveredAsync() >= before + 6, DeliveryTimeout,
            () => "dispatch did not flow:\n" + run.Tail());
        var alive = silos.Count;
        foreach (var silo in silos.Take(2))
        {
            ProcessTree.Signal(silo, ProcessTree.SigKill);
            Log($"killed silo {silo} after {await TotalDeliveredAsync()} deliveries");
            await Eventually.HoldsAsync(() => !ProcessTree.IsAlive(silo), TimeSpan.FromSeconds(30), () => $"silo {silo} survived SIGKILL");
            // One after the other: the next kill waits until the survivors have declared this one dead. (Two of
            // three dying at once is a lost majority: Orleans then waits until the dead ones' IAmAlive rows go
            // stale before one survivor alone may evict them.)
            alive--;
            await Eventually.TrueAsync(async () => await Api.ActiveSilosAsync(_http) == alive, TimeSpan.FromMinutes(3),
                () => $"the membership never showed {alive} active silo(s):\n" + run.Tail());
            Log($"{alive} silo(s) active");
            // The survivors serve: every campaign answers through the dashboard (its grain is back if it lived on the dead silo).
            foreach (var account in accounts)
            {
                await api.OkAsync(HttpMethod.Get, $"/api/workspaces/{ws}/campaigns/c-{account}");
            }
            Log("every campaign answers");
            Assert.False(run.HasExited, "run.sh stopped when one silo died:\n" + run.Tail());
        }

        // Every prospect reaches the end of its steps, or Unknown (a kill between the send and its record: never re-sent).
        var settled = new Dictionary<string, List<JsonNode>>();
        var lastProgress = TimeSpan.Zero;
        await Eventually.TrueAsync(async () =>
        {
            foreach (var account in accounts)
            {
                settled[account] = await api.ProspectsAsync(ws, "c-" + account, Enumerable.Range(1, prospects).Select(i => $"p{i}"));
            }
            if (_watch.Elapsed - lastProgress > TimeSpan.FromSeconds(10))
            {
                lastProgress = _watch.Elapsed;
                Log($"{await TotalDeliveredAsync()} delivered; " + string.Join("; ", settled.Select(kv => kv.Key + ": " + string.Join(',', kv.Value.GroupBy(Status).Select(g => $"{g.Key}={g.Count()}")))));
            }
            return settled.Values.All(list => list.Count == prospects && list.All(p => Status(p) is "Done" or "Unknown"));
        }, TimeSpan.FromMinutes(4), () => "prospects did not settle: " + string.Join("; ", settled.Select(kv =>
            kv.Key + ": " + string.Join(',', kv.Value.GroupBy(Status).Select(g => $"{g.Key}={g.Count()}")))) + "\n" + run.Tail());

        Log("prospects settled: " + string.Join("; ", settled.Select(kv => kv.Key + ": " + string.Join(',', kv.Value.GroupBy(Status).Select(g => $"{g.Key}={g.Count()}")))));
        Assert.False(run.HasExited, "run.sh stopped after two silo deaths:\n" + run.Tail());
        Assert.True(await Api.IsHealthyAsync(_http), "the dashboard lost the cluster after two silo deaths");
        // The survivor is healthy on its own port; the killed silos' ports answer nothing.
        var statuses = new List<int>();
        foreach (var i in Enumerable.Range(0, 3))
        {
            statuses.Add((await Api.SiloGetAsync(_http, i, "/healthz")).Status);
        }
        Assert.Equal([0, 0, 200], statuses.Order());
        foreach (var account in accounts)
        {
            Assert.Equal(0, await admin.DuplicateKeysAsync(account));
            var sent = (await api.OkAsync(HttpMethod.Get, $"/api/workspaces/{ws}/campaigns/c-{account}"))["counters"]!["sent"]!.GetValue<long>();
            var delivered = await admin.DeliveredAsync(account);
            var unknown = settled[account].Count(p => Status(p) == "Unknown");
            Log($"{account}: sent {sent}, delivered {delivered}, Unknown {unknown}");
            // Every delivery is counted, except one whose silo died between LinkedIn's answer and its record: that
            // prospect is Unknown, shown to the user and never re-sent, so it may account for at most one delivery.
            Assert.True(sent <= delivered && delivered <= sent + unknown,
                $"{account}: campaign sent {sent}, simulator delivered {delivered}, Unknown prospects {unknown}");
        }
        Assert.Equal("Open", await InMailBreakerAsync(api, ws, "rs3-trip"));

        var started = run.Descendants();
        await StopAndAssertReleasedAsync(run, started, ports);
        Log("stopped and released");
    }

    /// <summary>The sample lines of a Prometheus text that start with <paramref name="prefix"/>.</summary>
    private static IEnumerable<string> SampleLines(string text, string prefix) =>
        text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Silo <paramref name="index"/>'s <c>/metrics</c> once <paramref name="complete"/> holds (at most 30 s: the exporter caches a scrape for 300 ms).</summary>
    private async Task<string> SiloMetricsAsync(int index, Func<string, bool> complete)
    {
        var text = "";
        await Eventually.TrueAsync(async () =>
        {
            var (status, body) = await Api.SiloGetAsync(_http, index, "/metrics");
            text = body;
            return status == 200 && complete(body);
        }, TimeSpan.FromSeconds(30), () => $"silo {index + 1}'s /metrics:\n" + text);
        return text;
    }

    private static string Status(JsonNode prospect) => prospect["status"]!.GetValue<string>();

    private static async Task<string?> InMailBreakerAsync(Api api, string ws, string account) =>
        (await api.OkAsync(HttpMethod.Get, $"/api/workspaces/{ws}/accounts/{account}"))["breakers"]?["InMail"]?["state"]?.GetValue<string>();

    private static Task AddProspectsAsync(Api api, string ws, string campaign, int count) =>
        api.OkAsync(HttpMethod.Post, $"/api/workspaces/{ws}/campaigns/{campaign}/prospects",
            new JsonObject
            {
                ["prospects"] = new JsonArray([.. Enumerable.Range(1, count).Select(i => (JsonNode)new JsonObject
                {
                    ["id"] = $"p{i}",
                    ["profileUrl"] = $"https://www.linkedin.com/in/{campaign}-p{i}",
                })]),
            }.ToJsonString());

    /// <summary>A workspace created with the admin key, an account, a campaign and a prospect: one action delivered at the simulator.</summary>
    private static async Task<(string Key, string Campaign)> DispatchOneAsync(Api admin, string ws, string account)
    {
        var created = await admin.OkAsync(HttpMethod.Post, "/api/workspaces", $$"""{"id":"{{ws}}"}""");
        var key = created["apiKey"]!.GetValue<string>();
        using var api = new Api(key);
        await api.OkAsync(HttpMethod.Put, $"/api/workspaces/{ws}/accounts/{account}", """{"timeZone":"UTC"}""");
        await api.OkAsync(HttpMethod.Put, $"/api/workspaces/{ws}/campaigns/c1", $$"""{"accountId":"{{account}}","steps":[{"action":"ViewProfile"}]}""");
        await AddProspectsAsync(api, ws, "c1", 1);
        await Eventually.TrueAsync(async () => await admin.DeliveredAsync(account) >= 1, DeliveryTimeout, () => "no action delivered at the simulator");
        return (key, "c1");
    }

    /// <summary>
    /// BRIEF §11 as a user meets it, through the REST API and the simulator's control API: a campaign over a
    /// pool of two seats, one with a single InMail credit; its InMails move to the other seat once it trips.
    /// </summary>
    private static async Task PoolMovesInMailToASeatWithCreditsAsync(Api admin, string key, string ws)
    {
        using var api = new Api(key);
        await admin.SimAsync(HttpMethod.Put, "/sim/accounts/rs-pool-dry", """{"inMailCredits":1}""");
        await admin.SimAsync(HttpMethod.Put, "/sim/accounts/rs-pool-full", """{"inMailCredits":20}""");
        foreach (var account in new[] { "rs-pool-dry", "rs-pool-full" })
        {
            await api.OkAsync(HttpMethod.Put, $"/api/workspaces/{ws}/accounts/{account}", """{"timeZone":"UTC"}""");
        }
        var created = await api.OkAsync(HttpMethod.Put, $"/api/workspaces/{ws}/campaigns/pool",
            """{"accountIds":["rs-pool-dry","rs-pool-full"],"steps":[{"action":"InMail"}]}""");
        Assert.Equal(["rs-pool-dry", "rs-pool-full"], created["accountIds"]!.AsArray().Select(a => a!.GetValue<string>()));
        await AddProspectsAsync(api, ws, "pool", 6);

        await Eventually.TrueAsync(async () => await admin.DeliveredAsync("rs-pool-dry") + await admin.DeliveredAsync("rs-pool-full") == 6,
            DeliveryTimeout, () => "the pool did not deliver its six InMails");
        Assert.Equal((1, 5), (await admin.DeliveredAsync("rs-pool-dry"), await admin.DeliveredAsync("rs-pool-full")));
        Assert.Equal(0, await admin.DuplicateKeysAsync("rs-pool-dry") + await admin.DuplicateKeysAsync("rs-pool-full"));
        var view = await api.OkAsync(HttpMethod.Get, $"/api/workspaces/{ws}/campaigns/pool");
        Assert.Equal(1, view["pool"]!["InMail"]!["available"]!.GetValue<int>());
        Assert.Equal(2, view["pool"]!["InMail"]!["total"]!.GetValue<int>());
        Assert.True(view["degraded"]!.GetValue<bool>());
        Assert.Equal(0, view["counters"]!["skipped"]!.GetValue<int>());
        var prospects = await api.OkAsync(HttpMethod.Get, $"/api/workspaces/{ws}/campaigns/pool/prospects?accountId=rs-pool-full");
        Assert.Equal(5, prospects["items"]!.AsArray().Count);
    }

    private static async Task<DateTimeOffset> FirstActivityAsync(Api api, string ws, string campaign, string action)
    {
        DateTimeOffset? at = null;
        await Eventually.TrueAsync(async () =>
        {
            var page = await api.OkAsync(HttpMethod.Get, $"/api/workspaces/{ws}/campaigns/{campaign}/activity?kind=Sent&limit=50");
            var item = page["items"]!.AsArray().FirstOrDefault(i => i!["action"]?.GetValue<string>() == action);
            at = item is null ? null : DateTimeOffset.Parse(item["at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            return at is not null;
        }, DeliveryTimeout, () => $"no Sent {action} activity in campaign {campaign}");
        return at!.Value;
    }

    private static async Task AssertPortsFreeAsync(int[] ports) =>
        // A previous test's processes are gone by its Dispose; a port held by anything else would make this one meaningless.
        await Eventually.HoldsAsync(() => ports.All(p => !RunScript.IsListening(p)), TimeSpan.FromSeconds(60),
            () => "ports in use before the start: " + string.Join(',', ports.Where(RunScript.IsListening)));

    /// <summary>SIGTERM to run.sh alone: it exits, every process it started ends, every port it opened is free.</summary>
    private static async Task StopAndAssertReleasedAsync(RunScript run, IReadOnlyDictionary<int, string> started, int[] ports)
    {
        var postmaster = run.PostmasterPid();
        Assert.True(await run.TerminateAsync(RunScript.StopTimeout), "run.sh did not exit after SIGTERM:\n" + run.Tail());
        await Eventually.HoldsAsync(() => started.Keys.All(p => !ProcessTree.IsAlive(p)) && ports.All(p => !RunScript.IsListening(p))
                && (postmaster is not { } pg || !ProcessTree.IsAlive(pg)),
            ReleaseTimeout,
            () => "still running: " + string.Join("; ", started.Where(p => ProcessTree.IsAlive(p.Key)).Select(p => $"{p.Key} {p.Value}"))
                + (postmaster is { } pg && ProcessTree.IsAlive(pg) ? $"; postgres {pg}" : "")
                + "; ports in use: " + string.Join(',', ports.Where(RunScript.IsListening)) + "\n" + run.Tail());
    }

    public void Dispose()
    {
        _http.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
