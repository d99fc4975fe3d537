using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace OrleansBreaker.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests and the benchmark harness: <c>initdb</c> in a
/// temporary folder, listening on a free loopback port only, run as the unprivileged <c>postgres</c>
/// user when the process runs as root (PostgreSQL refuses root). A template database carries the
/// <c>deploy/sql</c> schema, so a fresh database is a cheap copy of it.
/// </summary>
/// <remarks>
/// Starting a cluster costs seconds, so tests share <see cref="SharedAsync"/>, started once per run
/// and stopped when the test process exits. A test that stops PostgreSQL must take its own server
/// from <see cref="StartNewAsync"/>, or it would pull the database from under parallel tests.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string OsUser = "postgres";
    private const string DbUser = "postgres";
    private const string TemplateDatabase = "breaker_template";
    private const string FolderPrefix = "orleansbreaker-pg-";
    private const string OwnerFile = "owner.pid";
    private const int SigQuit = 3;  // PostgreSQL's "immediate shutdown"

    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);

    private readonly string _bindir;
    private readonly string _root;
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private bool _disposed;

    private readonly PostgresServerOptions _options;

    private PostgresServer(string bindir, string root, int port, PostgresServerOptions options)
    {
        _bindir = bindir;
        _root = root;
        Port = port;
        _options = options;
    }

    /// <summary>The folder holding OrleansBreaker.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>deploy/sql/*.sql in the order they are applied.</summary>
    public static IReadOnlyList<string> SchemaFiles { get; } =
        [.. Directory.GetFiles(Path.Combine(RepoRoot, "deploy", "sql"), "*.sql").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)];

    public int Port { get; }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The server's log (pg_ctl -l), e.g. to count refused connections (<c>too many clients already</c>).</summary>
    public string LogFile => Path.Combine(_root, "server.log");

    public bool IsRunning { get; private set; }

    /// <summary>The running server's postmaster process, if any (e.g. to read its CPU use).</summary>
    public int? PostmasterPid => IsRunning ? ReadPostmasterPid(DataDirectory) : null;

    /// <summary>The server every test shares; started on first use, stopped when the test process exits.</summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>A server of one's own, e.g. for a test that stops and restarts PostgreSQL.</summary>
    public static async Task<PostgresServer> StartNewAsync(PostgresServerOptions? options = null)
    {
        var bindir = FindBindir();
        SweepOrphans();
        var root = Directory.CreateTempSubdirectory(FolderPrefix).FullName;
        await File.WriteAllTextAsync(Path.Combine(root, OwnerFile), Environment.ProcessId.ToString());
        var server = new PostgresServer(bindir, root, FreeLoopbackPort(), options ?? new PostgresServerOptions());
        try
        {
            await server.InitAsync();
            await server.StartAsync();
            await server.CreateTemplateAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public string ConnectionString(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Database = database, Username = DbUser, Timeout = 5 };
        if (_options.IdleConnectionLifetime is { } idle)
        {
            builder.ConnectionIdleLifetime = (int)idle.TotalSeconds;
            builder.ConnectionPruningInterval = Math.Max(1, (int)idle.TotalSeconds / 2);
        }
        return builder.ConnectionString;
    }

    /// <summary>
    /// Creates a database and returns its connection string: a copy of the template carrying the
    /// <c>deploy/sql</c> schema, or an empty database when <paramref name="withSchema"/> is false.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string prefix, bool withSchema = true)
    {
        var clean = new string([.. prefix.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(16)]);
        var name = $"{(clean.Length == 0 ? "db" : clean)}_{Guid.NewGuid():N}";
        var template = withSchema ? TemplateDatabase : "template0";
        // Copies of one template must not overlap with a session on it; one at a time is simplest.
        await _createGate.WaitAsync();
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE {template}", connection);
            await command.ExecuteNonQueryAsync();
        }
        finally
        {
            _createGate.Release();
        }
        return ConnectionString(name);
    }

    /// <summary>Applies every deploy/sql file, in order, each in one transaction, as deploy/postgres.sh does.</summary>
    public async Task ApplySchemaAsync(string database)
    {
        foreach (var file in SchemaFiles)
        {
            await ApplySchemaFileAsync(database, file);
        }
    }

    /// <summary>Applies one SQL file in one transaction, with psql as an operator would (e.g. to build a database at an older version).</summary>
    public async Task ApplySchemaFileAsync(string database, string file)
    {
        await RunAsync(Path.Combine(_bindir, "psql"), asOwner: false,
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
            "-h", "127.0.0.1", "-p", Port.ToString(), "-U", DbUser, "-d", database, "-f", file);
    }

    /// <summary>Starts PostgreSQL on the same data folder and port (after <see cref="StopAsync"/>).</summary>
    public async Task StartAsync()
    {
        // Loopback only; no Unix socket (its default folder may be missing or not writable).
        await RunAsync(Path.Combine(_bindir, "pg_ctl"), asOwner: true,
            "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60",
            "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' {_options.ServerSettings}",
            "start");
        IsRunning = true;
    }

    /// <summary>
    /// Stops PostgreSQL (fast shutdown: open sessions are cut off), keeping the data folder. Npgsql
    /// pools keep the dead connections: <c>Clear()</c> a data source before relying on it again.
    /// </summary>
    public async Task StopAsync()
    {
        if (!IsRunning)
        {
            return;
        }
        await RunAsync(Path.Combine(_bindir, "pg_ctl"), asOwner: true, "-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop");
        IsRunning = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            if (IsRunning)
            {
                await RunAsync(Path.Combine(_bindir, "pg_ctl"), asOwner: true, "-D", DataDirectory, "-m", "immediate", "-w", "stop");
                IsRunning = false;
            }
        }
        finally
        {
            TryDelete(_root);
        }
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartNewAsync();
        // xunit 2 has no assembly-wide fixture; the end of the test process is the end of the run.
        server.ShutDownAtProcessExit();
        return server;
    }

    /// <summary>
    /// Stops the server when the process exits. A test host is killed moments after ProcessExit
    /// starts, too soon for pg_ctl: the postmaster is signalled directly and the folder deleted.
    /// Whatever is left, the next start sweeps up.
    /// </summary>
    public void ShutDownAtProcessExit() => AppDomain.CurrentDomain.ProcessExit += (_, _) => ShutDownNow();

    private async Task InitAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        if (RunningAsRoot)
        {
            await RunAsync("chown", asOwner: false, "-R", $"{OsUser}:", _root);
        }
        await RunAsync(Path.Combine(_bindir, "initdb"), asOwner: true,
            "-D", DataDirectory, "-U", DbUser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync");
    }

    private async Task CreateTemplateAsync()
    {
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {TemplateDatabase}", connection);
            await command.ExecuteNonQueryAsync();
        }
        await ApplySchemaAsync(TemplateDatabase);
    }

    /// <summary>Immediate shutdown without waiting or starting processes, then the folder goes.</summary>
    private void ShutDownNow()
    {
        if (IsRunning && ReadPostmasterPid(DataDirectory) is { } pid)
        {
            _ = kill(pid, SigQuit);
            IsRunning = false;
        }
        TryDelete(_root);
    }

    /// <summary>
    /// Removes the servers and folders of earlier test runs whose process is gone (killed before its
    /// exit handler finished). Linux only: it tells a live owner by /proc/&lt;pid&gt;.
    /// </summary>
    private static void SweepOrphans()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var ownerFile = Path.Combine(folder, OwnerFile);
            var owner = File.Exists(ownerFile) && int.TryParse(File.ReadAllText(ownerFile), out var o) ? o : (int?)null;
            var abandoned = owner is { } pid
                ? !Directory.Exists($"/proc/{pid}")
                : Directory.GetCreationTimeUtc(folder) < DateTime.UtcNow.AddMinutes(-10);
            if (!abandoned)
            {
                continue;
            }
            if (ReadPostmasterPid(Path.Combine(folder, "data")) is { } postmaster)
            {
                _ = kill(postmaster, SigQuit);
            }
            TryDelete(folder);
        }
    }

    private static int? ReadPostmasterPid(string dataDirectory)
    {
        try
        {
            var firstLine = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(firstLine, out var pid) && pid > 0 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static bool RunningAsRoot => Environment.UserName == "root";

    private static async Task<string> RunAsync(string fileName, bool asOwner, params string[] arguments)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asOwner && RunningAsRoot)
        {
            start.FileName = "runuser";
            foreach (var a in (string[])["-u", OsUser, "--", fileName])
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = fileName;
        }
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["PGOPTIONS"] = "-c client_min_messages=warning";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
        return await stdout;
    }

    private static string FindBindir()
    {
        var candidates = new List<string>();
        try
        {
            var pgConfig = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (pgConfig is not null)
            {
                var dir = pgConfig.StandardOutput.ReadToEnd().Trim();
                pgConfig.WaitForExit();
                candidates.Add(dir);
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config on the PATH: look in Debian's folders.
        }
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new PostgresUnavailableException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found via `pg_config --bindir` or in /usr/lib/postgresql/*/bin. " +
                "The PostgreSQL tests and benchmarks need them: `.ci/run` installs the `postgresql` Debian package; " +
                "locally run `apt-get update && apt-get install -y postgresql`.");
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "OrleansBreaker.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException($"No OrleansBreaker.sln above {AppContext.BaseDirectory} or the current folder.");
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>How a <see cref="PostgresServer"/> runs.</summary>
public sealed record PostgresServerOptions
{
    /// <summary>
    /// Keep PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes). Off by default:
    /// a crash loses a throwaway cluster either way, and the tests run faster without them.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>Preload <c>pg_stat_statements</c> (with planning time), to count what a workload costs.</summary>
    public bool TrackStatements { get; init; }

    /// <summary>Room for the parallel test classes' pools (each silo holds two), with headroom.</summary>
    public int MaxConnections { get; init; } = 500;

    /// <summary>
    /// How long the connection strings it hands out keep idle pooled connections; null keeps Npgsql's
    /// default (5 minutes). Every database has its own pools, which outlive the test that used them:
    /// closed within seconds, a whole run's finished clusters do not hold the server's connections.
    /// </summary>
    public TimeSpan? IdleConnectionLifetime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>PostgreSQL's <c>shared_buffers</c>; null keeps its default.</summary>
    public string? SharedBuffers { get; init; }

    /// <summary>PostgreSQL's <c>max_wal_size</c> (how much WAL starts a checkpoint); null keeps its default (1GB).</summary>
    public string? MaxWalSize { get; init; }

    internal string ServerSettings =>
        $"-c max_connections={MaxConnections}" +
        (SharedBuffers is null ? "" : $" -c shared_buffers={SharedBuffers}") +
        (MaxWalSize is null ? "" : $" -c max_wal_size={MaxWalSize}") +
        (TrackStatements ? " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on" : "") +
        (Durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
}

/// <summary>PostgreSQL's server binaries are not on this machine.</summary>
public sealed class PostgresUnavailableException(string message) : Exception(message);
