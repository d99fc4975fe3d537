using System.Buffers.Text;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Orleans.TestingHost;
using OrleansBreaker.Tests.Durable;
using OrleansBreaker.Tests.Postgres;

namespace OrleansBreaker.Tests.Client;

/// <summary>
/// API.md §2: workspace keys are shown once and stored only as a hash. Checked where they are stored:
/// the grain state rows in PostgreSQL.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class StoredKeyTests : IAsyncLifetime
{
    private string _connectionString = "";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _connectionString = await server.CreateDatabaseAsync("keys");
        _cluster = await GatedCluster.StartAsync(_connectionString, 1, "svc-" + Guid.NewGuid().ToString("N")[..8], tcp: true);
    }

    public Task DisposeAsync() => DurableCluster.StopAsync(_cluster);

    [Fact]
    public async Task AWorkspaceKey_IsStoredOnlyAsItsHash_AndStillAuthenticates_AlsoForANewClient()
    {
        string id, key;
        await using (var host = await DashboardHost.StartAsync(_cluster, DurableSiloConfigurator.Time))
        {
            id = DashboardFixture.NewId("ws");
            using var created = await host.Client(DashboardHost.AdminKey).PostAsync("/api/workspaces", DashboardFixture.Json(new { id }));
            Assert.Equal(201, (int)created.StatusCode);
            key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
            Assert.Equal(200, (int)(await host.Client(key).GetAsync($"/api/workspaces/{id}/accounts")).StatusCode);
        }

        var secret = key[(key.IndexOf('.') + 1)..];
        var rows = await StoredPayloadsAsync();
        Assert.Contains(rows, r => Contains(r.Payload, SHA256.HashData(Encoding.UTF8.GetBytes(key)))); // the row we mean is there
        Assert.All(rows, r =>
        {
            Assert.False(Contains(r.Payload, Encoding.UTF8.GetBytes(key)), $"{r.Type} stores the key");
            Assert.False(Contains(r.Payload, Encoding.UTF8.GetBytes(secret)), $"{r.Type} stores the key's secret part");
            Assert.False(Contains(r.Payload, Base64Url.DecodeFromChars(secret)), $"{r.Type} stores the key's random bytes");
        });

        // A client that never saw the key (nothing cached) still accepts it, and only it.
        await using var fresh = await DashboardHost.StartAsync(_cluster, DurableSiloConfigurator.Time);
        Assert.Equal(200, (int)(await fresh.Client(key).GetAsync($"/api/workspaces/{id}/accounts")).StatusCode);
        var forged = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(401, (int)(await fresh.Client(forged).GetAsync($"/api/workspaces/{id}/accounts")).StatusCode);
    }

    private async Task<List<(string Type, byte[] Payload)>> StoredPayloadsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT GrainTypeString, PayloadBinary FROM OrleansStorage WHERE ServiceId = @svc AND PayloadBinary IS NOT NULL", connection);
        command.Parameters.AddWithValue("svc", _cluster.Options.ServiceId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, byte[])>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), (byte[])reader[1]));
        }
        Assert.NotEmpty(rows);
        return rows;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
