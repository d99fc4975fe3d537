using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansBreaker.Hosting;
using OrleansBreaker.Silo.Hosting;

namespace OrleansBreaker.Tests.Postgres;

// The Orleans ADO.NET providers judge deploy/sql: every test here runs them, through a real
// TestingHost cluster configured with UseBreakerPostgres, against a fresh copy of the schema.

public interface IProbeStateGrain : IGrainWithStringKey
{
    Task<ProbeState> GetAsync();
    Task SetAsync(string value);
    Task ClearAsync();
}

public interface IProbeReminderGrain : IGrainWithStringKey
{
    Task StartAsync(string reminderName, TimeSpan dueTime, TimeSpan period);
    Task<bool> StopAsync(string reminderName);
}

[GenerateSerializer, Immutable, Alias("OrleansBreaker.Tests.ProbeState")]
public sealed record ProbeState
{
    [Id(0)] public string? Value { get; init; }
    [Id(1)] public int Writes { get; init; }
}

internal sealed class ProbeStateGrain(
    [PersistentState(ProbeStateGrain.StateName, StorageNames.GrainStore)] IPersistentState<ProbeState> state)
    : Grain, IProbeStateGrain
{
    public const string StateName = "probe";

    public Task<ProbeState> GetAsync() => Task.FromResult(state.State);

    public async Task SetAsync(string value)
    {
        state.State = state.State with { Value = value, Writes = state.State.Writes + 1 };
        await state.WriteStateAsync();
    }

    public Task ClearAsync() => state.ClearStateAsync();
}

internal sealed class ProbeReminderGrain : Grain, IProbeReminderGrain, IRemindable
{
    /// <summary>Ticks per "grain key/reminder name"; static so it outlives activations.</summary>
    public static readonly ConcurrentDictionary<string, int> Ticks = new();

    public async Task StartAsync(string reminderName, TimeSpan dueTime, TimeSpan period) =>
        await this.RegisterOrUpdateReminder(reminderName, dueTime, period);

    public async Task<bool> StopAsync(string reminderName)
    {
        var reminder = await this.GetReminder(reminderName);
        if (reminder is null)
        {
            return false;
        }
        await this.UnregisterReminder(reminder);
        return true;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.AddOrUpdate($"{this.GetPrimaryKeyString()}/{reminderName}", 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}

/// <summary>Silos on PostgreSQL, tuned so that reminders tick every second and a dead silo is noticed in seconds.</summary>
public sealed class PostgresSiloConfigurator : ISiloConfigurator
{
    public const string ConnectionStringKey = "BreakerTests:PostgresConnectionString";

    /// <summary>A second store that deletes the row on clear, to run the schema's DeleteStorageKey.</summary>
    public const string DeleteOnClearStore = "delete-on-clear";

    public void Configure(ISiloBuilder siloBuilder)
    {
        var connectionString = siloBuilder.Configuration[ConnectionStringKey]
            ?? throw new InvalidOperationException($"{ConnectionStringKey} is not configured.");
        siloBuilder.UseBreakerPostgres(connectionString);
        siloBuilder.AddAdoNetGrainStorage(DeleteOnClearStore, options =>
        {
            options.Invariant = "Npgsql";
            options.ConnectionString = connectionString;
            options.DeleteStateOnClear = true;
        });
        siloBuilder.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        siloBuilder.UseFastMembership();
    }
}

public static class TestMembership
{
    /// <summary>Declares a dead silo dead within seconds, so tests that kill silos do not wait minutes.</summary>
    public static ISiloBuilder UseFastMembership(this ISiloBuilder siloBuilder) =>
        siloBuilder.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);
        });
}

/// <summary>
/// The test client finds gateways through the PostgreSQL membership table (GatewaysQueryKey). It
/// configures what Client's PostgresClientHosting.UseBreakerPostgres does, since Tests does not
/// reference the Client executable.
/// </summary>
public sealed class PostgresClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
        clientBuilder.UseAdoNetClustering(options =>
        {
            options.Invariant = "Npgsql";
            options.ConnectionString = configuration[PostgresSiloConfigurator.ConnectionStringKey]
                ?? throw new InvalidOperationException($"{PostgresSiloConfigurator.ConnectionStringKey} is not configured.");
        });
}

/// <summary>A TestingHost cluster whose membership, reminders and grain state all live in a fresh PostgreSQL database.</summary>
public abstract class PostgresClusterFixture(short silos) : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public string ClusterId => Cluster.Options.ClusterId;

    public string ServiceId => Cluster.Options.ServiceId;

    /// <summary>The silos as started; <see cref="TestCluster.Silos"/> drops the ones a test stops.</summary>
    public IReadOnlyList<SiloHandle> InitialSilos { get; private set; } = [];

    public IServiceProvider SiloServices(int index = 0) => Cluster.GetSiloServiceProvider(InitialSilos[index].SiloAddress);

    public virtual async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync(GetType().Name);
        DataSource = NpgsqlDataSource.Create(connectionString);

        var builder = new TestClusterBuilder(silos);
        builder.Options.UseTestClusterMembership = false;
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [PostgresSiloConfigurator.ConnectionStringKey] = connectionString,
        }));
        builder.AddSiloBuilderConfigurator<PostgresSiloConfigurator>();
        builder.AddClientBuilderConfigurator<PostgresClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        InitialSilos = [.. Cluster.Silos];
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }
    }
}

public sealed class SingleSiloPostgresCluster() : PostgresClusterFixture(1);

public sealed class AdoNetPersistenceTests(SingleSiloPostgresCluster fixture) : IClassFixture<SingleSiloPostgresCluster>
{
    private IGrainStorage Storage => fixture.SiloServices().GetRequiredKeyedService<IGrainStorage>(StorageNames.GrainStore);

    [Fact]
    public async Task GrainState_SurvivesDeactivation()
    {
        var key = Unique();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IProbeStateGrain>(key);
        await grain.SetAsync("hello");
        await grain.SetAsync("hello again");

        await fixture.Cluster.DeactivateAsync(grain);
        var state = await grain.GetAsync();

        Assert.Equal(new ProbeState { Value = "hello again", Writes = 2 }, state);
        var row = await ReadRowAsync(key);
        Assert.Equal(2, row?.Version);
        Assert.Equal(ProbeStateGrain.StateName, row?.GrainType);
    }

    [Fact]
    public async Task GrainState_IsStoredWithTheOrleansSerializer_NotJsonWithTypeNames()
    {
        var key = Unique();
        await fixture.Cluster.GrainFactory.GetGrain<IProbeStateGrain>(key).SetAsync("payload");

        var payload = (await ReadRowAsync(key))?.Payload;

        Assert.NotNull(payload);
        Assert.NotEqual((byte)'{', payload[0]);
        Assert.DoesNotContain(typeof(ProbeState).FullName!, Encoding.UTF8.GetString(payload));
        var serializer = new OrleansGrainStorageSerializer(fixture.SiloServices().GetRequiredService<Serializer>());
        Assert.Equal(new ProbeState { Value = "payload", Writes = 1 }, serializer.Deserialize<ProbeState>(new BinaryData(payload)));
    }

    [Fact]
    public async Task ClearState_KeepsTheRowWithoutPayload_AndTheGrainWritesAgain()
    {
        var key = Unique();
        var grain = fixture.Cluster.GrainFactory.GetGrain<IProbeStateGrain>(key);
        await grain.SetAsync("before");

        await grain.ClearAsync();
        var cleared = await ReadRowAsync(key);
        await fixture.Cluster.DeactivateAsync(grain);
        var afterReactivation = await grain.GetAsync();
        await grain.SetAsync("after");

        Assert.Null(cleared?.Payload);
        Assert.Equal(2, cleared?.Version);
        Assert.Equal(new ProbeState(), afterReactivation);
        Assert.Equal(3, (await ReadRowAsync(key))?.Version);
    }

    [Fact]
    public async Task StaleEtag_IsRejectedWithInconsistentStateException()
    {
        var id = GrainId.Create("probe-state", Unique());
        var current = new GrainState<ProbeState>(new ProbeState { Value = "first" });
        await Storage.WriteStateAsync(ProbeStateGrain.StateName, id, current);
        var stale = new GrainState<ProbeState>(new ProbeState { Value = "stale" }, current.ETag) { RecordExists = true };
        current.State = new ProbeState { Value = "second" };
        await Storage.WriteStateAsync(ProbeStateGrain.StateName, id, current);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(ProbeStateGrain.StateName, id, stale));

        var stored = new GrainState<ProbeState>();
        await Storage.ReadStateAsync(ProbeStateGrain.StateName, id, stored);
        Assert.Equal("second", stored.State?.Value);
        Assert.Equal(current.ETag, stored.ETag);
    }

    [Fact]
    public async Task StaleEtag_OnClear_IsRejectedWithInconsistentStateException()
    {
        var id = GrainId.Create("probe-state", Unique());
        var current = new GrainState<ProbeState>(new ProbeState { Value = "v1" });
        await Storage.WriteStateAsync(ProbeStateGrain.StateName, id, current);
        var stale = new GrainState<ProbeState>(current.State, current.ETag) { RecordExists = true };
        await Storage.WriteStateAsync(ProbeStateGrain.StateName, id, current);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(ProbeStateGrain.StateName, id, stale));
    }

    [Fact]
    public async Task FirstWrite_AfterAnotherWriterCreatedTheRow_IsRejected()
    {
        var id = GrainId.Create("probe-state", Unique());
        await Storage.WriteStateAsync(ProbeStateGrain.StateName, id, new GrainState<ProbeState>(new ProbeState { Value = "winner" }));

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            Storage.WriteStateAsync(ProbeStateGrain.StateName, id, new GrainState<ProbeState>(new ProbeState { Value = "late" })));
    }

    [Theory]
    [InlineData("string")]
    [InlineData("integer")]   // integer and Guid keys have no key extension: NULL in the unique index
    [InlineData("guid")]
    public async Task ConcurrentFirstWrites_ExactlyOneWins(string keyKind)
    {
        var type = GrainType.Create("probe-state");
        var id = keyKind switch
        {
            "string" => GrainId.Create(type, Unique()),
            "integer" => GrainId.Create(type, GrainIdKeyExtensions.CreateIntegerKey(Random.Shared.NextInt64())),
            _ => GrainId.Create(type, GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid())),
        };
        var storage = Storage;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await storage.WriteStateAsync(ProbeStateGrain.StateName, id, new GrainState<ProbeState>(new ProbeState { Value = $"writer {i}" }));
                return "won";
            }
            catch (InconsistentStateException)
            {
                return "lost";
            }
        })));

        Assert.Equal(1, outcomes.Count(o => o == "won"));
        Assert.Equal(7, outcomes.Count(o => o == "lost"));
    }

    [Fact]
    public async Task DeleteStateOnClear_RemovesTheRow_AndAFreshWriteStartsOver()
    {
        var storage = fixture.SiloServices().GetRequiredKeyedService<IGrainStorage>(PostgresSiloConfigurator.DeleteOnClearStore);
        var key = Unique();
        var id = GrainId.Create("probe-state", key);
        var state = new GrainState<ProbeState>(new ProbeState { Value = "doomed" });
        await storage.WriteStateAsync(ProbeStateGrain.StateName, id, state);

        await storage.ClearStateAsync(ProbeStateGrain.StateName, id, state);
        var rowsAfterClear = await CountRowsAsync(key);
        await storage.WriteStateAsync(ProbeStateGrain.StateName, id, state);

        Assert.Equal(0, rowsAfterClear);
        Assert.Equal("1", state.ETag);
    }

    private static string Unique() => $"probe-{Guid.NewGuid():N}";

    private sealed record StorageRow(string GrainType, int Version, byte[]? Payload);

    private async Task<StorageRow?> ReadRowAsync(string key)
    {
        await using var command = fixture.DataSource.CreateCommand(
            "SELECT graintypestring, version, payloadbinary FROM orleansstorage WHERE serviceid = @service AND grainidextensionstring = @key");
        command.Parameters.AddWithValue("service", fixture.ServiceId);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        var row = new StorageRow(reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2));
        Assert.False(await reader.ReadAsync(), $"More than one storage row for {key}.");
        return row;
    }

    private async Task<long> CountRowsAsync(string key)
    {
        await using var command = fixture.DataSource.CreateCommand("SELECT count(*) FROM orleansstorage WHERE grainidextensionstring = @key");
        command.Parameters.AddWithValue("key", key);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

public sealed class AdoNetReminderTests(SingleSiloPostgresCluster fixture) : IClassFixture<SingleSiloPostgresCluster>
{
    [Fact]
    public async Task Reminder_FiresFromPostgres_AndStopsWhenUnregistered()
    {
        var key = $"reminder-{Guid.NewGuid():N}";
        var grain = fixture.Cluster.GrainFactory.GetGrain<IProbeReminderGrain>(key);
        string tickKey = $"{key}/tick";

        await grain.StartAsync("tick", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var row = await ReadReminderPeriodAsync(key, "tick");
        await WaitUntilAsync(() => ProbeReminderGrain.Ticks.GetValueOrDefault(tickKey) >= 2, TimeSpan.FromSeconds(20));
        var stopped = await grain.StopAsync("tick");
        var rowAfterStop = await ReadReminderPeriodAsync(key, "tick");
        var ticksAtStop = ProbeReminderGrain.Ticks.GetValueOrDefault(tickKey);
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.Equal(1000L, row);
        Assert.True(stopped);
        Assert.Null(rowAfterStop);
        // A tick already queued behind StopAsync may still arrive; a live reminder would add two or more.
        Assert.InRange(ProbeReminderGrain.Ticks.GetValueOrDefault(tickKey), ticksAtStop, ticksAtStop + 1);
    }

    [Fact]
    public async Task ReminderTable_ReadsHashRanges_IncludingTheWrapAround()
    {
        var table = fixture.SiloServices().GetRequiredService<IReminderTable>();
        var grains = Enumerable.Range(0, 40).Select(_ => GrainId.Create("probe-range", Guid.NewGuid().ToString("N"))).ToList();
        foreach (var grain in grains)
        {
            // Far in the future, so the live reminder service never fires these rows.
            await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "range", StartAt = DateTime.UtcNow.AddDays(1), Period = TimeSpan.FromHours(1) });
        }

        try
        {
            (uint Begin, uint End)[] ranges =
            [
                (0x1000_0000, 0x6000_0000),   // both halves positive as int: ReadRangeRows1Key
                (0x7000_0000, 0x9000_0000),   // crosses int.MaxValue: ReadRangeRows2Key
                (0xF000_0000, 0x1000_0000),   // wraps around the ring: ReadRangeRows1Key on signed ints
                (0x9000_0000, 0x7000_0000),   // wraps, most of the ring
                (0x4000_0000, 0x4000_0000),   // begin == end: the whole ring
            ];
            foreach (var (begin, end) in ranges)
            {
                var expected = grains.Where(g => InRange(g.GetUniformHashCode(), begin, end)).ToHashSet();
                var rows = await table.ReadRows(begin, end);
                var actual = rows.Reminders.Where(r => r.ReminderName == "range" && r.GrainId.Type.ToString() == "probe-range").Select(r => r.GrainId).ToHashSet();
                Assert.True(expected.SetEquals(actual), $"Range ({begin:X8}, {end:X8}]: expected {expected.Count} grains, read {actual.Count}.");
            }
        }
        finally
        {
            foreach (var grain in grains)
            {
                var row = await table.ReadRow(grain, "range");
                await table.RemoveRow(grain, "range", row!.ETag!);
            }
        }
    }

    [Fact]
    public async Task ReminderTable_UpsertBumpsTheEtag_AndRemoveWithAStaleEtagFails()
    {
        var table = fixture.SiloServices().GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("probe-etag", Guid.NewGuid().ToString("N"));
        var entry = new ReminderEntry { GrainId = grain, ReminderName = "etag", StartAt = DateTime.UtcNow.AddDays(1), Period = TimeSpan.FromHours(1) };

        var first = await table.UpsertRow(entry);
        entry.Period = TimeSpan.FromDays(30);
        var second = await table.UpsertRow(entry);
        var removedWithStale = await table.RemoveRow(grain, "etag", first!);
        var read = await table.ReadRow(grain, "etag");
        var removed = await table.RemoveRow(grain, "etag", second!);

        Assert.NotEqual(first, second);
        Assert.False(removedWithStale);
        Assert.Equal(TimeSpan.FromDays(30), read?.Period);      // more milliseconds than an int holds: sent as bigint
        Assert.Equal(second, read?.ETag);
        Assert.True(removed);
        Assert.Empty((await table.ReadRows(grain)).Reminders);
    }

    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private async Task<long?> ReadReminderPeriodAsync(string grainKey, string reminderName)
    {
        await using var command = fixture.DataSource.CreateCommand(
            "SELECT period FROM orleansreminderstable WHERE serviceid = @service AND grainid LIKE @grain AND remindername = @name");
        command.Parameters.AddWithValue("service", fixture.ServiceId);
        command.Parameters.AddWithValue("grain", $"%/{grainKey}");
        command.Parameters.AddWithValue("name", reminderName);
        return await command.ExecuteScalarAsync() as long?;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met within {timeout}.");
            }
            await Task.Delay(100);
        }
    }
}

public sealed class ThreeSiloPostgresCluster() : PostgresClusterFixture(3)
{
    /// <summary>The membership rows right after the three silos started.</summary>
    public IReadOnlyList<MembershipRow> RowsAfterJoin { get; private set; } = [];

    public IReadOnlyDictionary<SiloAddress, SiloStatus> HostsAfterJoin { get; private set; } = new Dictionary<SiloAddress, SiloStatus>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        RowsAfterJoin = await ReadMembershipAsync();
        HostsAfterJoin = await Cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
    }

    public async Task<IReadOnlyList<MembershipRow>> ReadMembershipAsync()
    {
        await using var command = DataSource.CreateCommand(
            "SELECT address, port, generation, status, suspecttimes, iamalivetime FROM orleansmembershiptable WHERE deploymentid = @cluster");
        command.Parameters.AddWithValue("cluster", ClusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<MembershipRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new MembershipRow(
                SiloAddress.New(IPAddress.Parse(reader.GetString(0)), reader.GetInt32(1), reader.GetInt32(2)),
                (SiloStatus)reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return rows;
    }

    public async Task<MembershipRow> WaitForStatusAsync(SiloAddress silo, SiloStatus status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var row = (await ReadMembershipAsync()).SingleOrDefault(r => r.Silo.Equals(silo));
            if (row?.Status == status)
            {
                return row;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{silo} is {row?.Status.ToString() ?? "absent"} in the membership table, not {status}, after {timeout}.");
            }
            await Task.Delay(200);
        }
    }
}

public sealed record MembershipRow(SiloAddress Silo, SiloStatus Status, string? SuspectTimes, DateTimeOffset IAmAliveTime);

/// <summary>
/// Each test acts on its own silo of the three (0 stays up, 1 is stopped, 2 is killed) or on
/// made-up rows of silos that never ran, so the tests hold in any order.
/// </summary>
public sealed class AdoNetClusteringTests(ThreeSiloPostgresCluster fixture) : IClassFixture<ThreeSiloPostgresCluster>
{
    [Fact]
    public void ThreeSilos_JoinAndAreActiveInTheMembershipTable()
    {
        var silos = fixture.InitialSilos.Select(s => s.SiloAddress).ToHashSet();

        Assert.Equal(3, silos.Count);
        Assert.True(silos.SetEquals(fixture.RowsAfterJoin.Select(r => r.Silo)));
        Assert.All(fixture.RowsAfterJoin, r => Assert.Equal(SiloStatus.Active, r.Status));
        Assert.True(silos.SetEquals(fixture.HostsAfterJoin.Keys));
    }

    [Fact]
    public async Task LiveSilo_KeepsRefreshingItsIAmAliveTime()
    {
        var silo = fixture.InitialSilos[0].SiloAddress;
        var before = await IAmAliveTimeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(15);

        var after = before;
        while (after <= before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            after = await IAmAliveTimeAsync();
        }

        Assert.True(after > before, $"IAmAliveTime stayed at {before:O}.");

        async Task<DateTimeOffset> IAmAliveTimeAsync() =>
            (await fixture.ReadMembershipAsync()).Single(r => r.Silo.Equals(silo)).IAmAliveTime;
    }

    [Fact]
    public async Task GracefullyStoppedSilo_IsMarkedDead()
    {
        var silo = fixture.InitialSilos[1];

        await fixture.Cluster.StopSiloAsync(silo);

        var row = await fixture.WaitForStatusAsync(silo.SiloAddress, SiloStatus.Dead, TimeSpan.FromSeconds(15));
        Assert.Equal(SiloStatus.Dead, row.Status);
    }

    [Fact]
    public async Task KilledSilo_IsMarkedDead()
    {
        var silo = fixture.InitialSilos[2];

        // TestingHost kills an in-process silo by stopping it with a cancelled token; Orleans then
        // still writes its own death (with its own vote) before it goes.
        await fixture.Cluster.KillSiloAsync(silo);

        var row = await fixture.WaitForStatusAsync(silo.SiloAddress, SiloStatus.Dead, TimeSpan.FromSeconds(30));
        Assert.Equal(SiloStatus.Dead, row.Status);
    }

    [Fact]
    public async Task CrashedSilo_IsDeclaredDeadByTheOthers()
    {
        // A silo that crashed without a word: Active in the table, nobody answering at its address.
        // Only the live silos' probes and votes can move it to Dead.
        var table = fixture.SiloServices(0).GetRequiredService<IMembershipTable>();
        var crashed = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 7, SiloAddress.AllocateNewGeneration()),
            SiloName = "crashed",
            HostName = "crashed-host",
            Status = SiloStatus.Active,
            ProxyPort = 0,
            StartTime = DateTime.UtcNow,
            IAmAliveTime = DateTime.UtcNow,
        };
        await InsertAsync(table, crashed);

        var row = await fixture.WaitForStatusAsync(crashed.SiloAddress, SiloStatus.Dead, TimeSpan.FromSeconds(30));

        // SuspectTimes holds "voter,time|voter,time": the votes that declared the silo dead.
        var voters = (row.SuspectTimes ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => SiloAddress.FromParsableString(v.Split(',')[0]))
            .ToList();
        Assert.NotEmpty(voters);
        Assert.All(voters, v => Assert.Contains(v, fixture.InitialSilos.Select(s => s.SiloAddress)));
    }

    [Fact]
    public async Task MembershipTable_RejectsAnInsertWithAStaleVersion_AndCleanupRemovesOnlyDefunctRows()
    {
        var table = fixture.SiloServices(0).GetRequiredService<IMembershipTable>();
        var ghost = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 1, 42),
            SiloName = "ghost",
            HostName = "ghost-host",
            Status = SiloStatus.Dead,
            ProxyPort = 0,
            StartTime = DateTime.UtcNow.AddHours(-2),
            IAmAliveTime = DateTime.UtcNow.AddHours(-2),
        };

        var otherGhost = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 2, 42),
            SiloName = "other-ghost",
            HostName = "ghost-host",
            Status = SiloStatus.Dead,
            StartTime = ghost.StartTime,
            IAmAliveTime = ghost.IAmAliveTime,
        };

        var (inserted, snapshot) = await InsertAsync(table, ghost);
        // The insert above moved the version on, so the snapshot it used is now stale.
        var staleInsert = await table.InsertRowAsync(otherGhost, snapshot.Version.Next(), CancellationToken.None);
        var ghostRow = (await fixture.ReadMembershipAsync()).SingleOrDefault(r => r.Silo.Equals(ghost.SiloAddress));

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        var rows = await fixture.ReadMembershipAsync();

        Assert.False(staleInsert);
        Assert.True(inserted);
        Assert.Equal(SiloStatus.Dead, ghostRow?.Status);
        Assert.DoesNotContain(rows, r => r.Silo.Equals(ghost.SiloAddress) || r.Silo.Equals(otherGhost.SiloAddress));
        Assert.Contains(rows, r => r.Silo.Equals(fixture.InitialSilos[0].SiloAddress) && r.Status == SiloStatus.Active);
    }

    private static async Task<(bool Inserted, MembershipTableData Snapshot)> InsertAsync(IMembershipTable table, MembershipEntry entry)
    {
        for (var attempt = 0; ; attempt++)
        {
            // Live silos move the version on too; retry on a fresh read, as the membership protocol does.
            var snapshot = await table.ReadAllAsync(CancellationToken.None);
            var inserted = await table.InsertRowAsync(entry, snapshot.Version.Next(), CancellationToken.None);
            if (inserted || attempt == 10)
            {
                return (inserted, snapshot);
            }
        }
    }
}
