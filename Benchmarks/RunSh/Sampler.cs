using System.Diagnostics;
using Npgsql;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// From activation to the end of the window, every few seconds: deliveries at the simulator and the
/// client connections PostgreSQL holds, so the summary shows the ramp and how close the pools came to
/// <c>max_connections</c>. Its own probe connection is opened per sample and not pooled (and not counted).
/// </summary>
public sealed class Sampler : IAsyncDisposable
{
    private readonly RestApi _api;
    private readonly RunShProcess _run;
    private readonly TimeSpan _every;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Sample> _samples = [];
    private readonly Task _loop;
    private readonly long _started = Stopwatch.GetTimestamp();
    private int _refused;

    internal Sampler(RestApi api, RunShProcess run, TimeSpan every)
    {
        _api = api;
        _run = run;
        _every = every;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The sampler's own connections PostgreSQL refused: each left a line in its log that the product did not cause.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public sealed record Sample(double AtSeconds, long Delivered, double DeliveriesPerSecond, long Calls, int Connections, string? Refused);

    private string? ConnectionString => _run.ConnectionString is { } cs
        ? new NpgsqlConnectionStringBuilder(cs) { Pooling = false, Timeout = 5, CommandTimeout = 5, ApplicationName = "runsh-sampler" }.ConnectionString
        : null;

    private async Task LoopAsync()
    {
        SimTotals? last = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var now = await _api.SimStatsAsync(_stop.Token);
                var (connections, refused) = await ConnectionsAsync();
                lock (_samples)
                {
                    _samples.Add(new Sample((now.Timestamp - _started) / (double)Stopwatch.Frequency, now.Delivered,
                        last is null ? 0 : now.DeliveriesPerSecondSince(last), now.Calls, connections, refused));
                }
                last = now;
                await Task.Delay(_every, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                // The simulator did not answer this once: the next sample says more.
                await Task.Delay(_every, CancellationToken.None);
            }
        }
    }

    private async Task<(int Connections, string? Refused)> ConnectionsAsync()
    {
        if (ConnectionString is not { } cs)
        {
            return (-1, null);
        }
        try
        {
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync(_stop.Token);
            await using var command = new NpgsqlCommand(
                "SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()", connection);
            return ((int)(await command.ExecuteScalarAsync(_stop.Token))!, null);
        }
        catch (PostgresException ex)
        {
            if (ex.SqlState == PostgresErrorCodes.TooManyConnections)
            {
                Interlocked.Increment(ref _refused);
            }
            return (-1, $"{ex.SqlState}: {ex.MessageText}");
        }
        catch (NpgsqlException ex)
        {
            return (-1, ex.Message);
        }
    }

    public async Task<int?> MaxConnectionsAsync()
    {
        if (ConnectionString is not { } cs)
        {
            return null;
        }
        try
        {
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SHOW max_connections", connection);
            return int.Parse((string)(await command.ExecuteScalarAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<Sample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        lock (_samples)
        {
            return [.. _samples];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }
}
