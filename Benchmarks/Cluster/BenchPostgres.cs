using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// The PostgreSQL a run measures on: either one it starts (like Tests/Postgres/PostgresServer.cs:
/// <c>initdb</c> in a temporary folder, a free loopback port, run as the unprivileged <c>postgres</c>
/// user when root, the <c>deploy/sql</c> schema applied) or an existing database given by connection string.
/// </summary>
/// <remarks>
/// A started server preloads <c>pg_stat_statements</c>, so the harness can count the statements each
/// phase costs. It keeps PostgreSQL's durable defaults (fsync, synchronous_commit) unless told to
/// run as the tests do: a persisted dispatch is measured as production would pay for it.
/// </remarks>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private const string OsUser = "postgres";
    private const string DbUser = "postgres";
    private const string Database = "bench";
    private const int SigQuit = 3;

    private readonly string? _bindir;
    private readonly string? _root;
    private bool _running;

    private BenchPostgres(string connectionString, string? bindir, string? root, string settings)
    {
        ConnectionString = connectionString;
        _bindir = bindir;
        _root = root;
        Settings = settings;
    }

    public string ConnectionString { get; }

    /// <summary>The server's postmaster, when the harness started it (for its CPU use).</summary>
    public int? PostmasterPid
    {
        get
        {
            if (_root is null)
            {
                return null;
            }
            try
            {
                return int.TryParse(File.ReadLines(Path.Combine(_root, "data", "postmaster.pid")).FirstOrDefault(), out var pid) ? pid : null;
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>How the server runs, in words for the summary.</summary>
    public string Settings { get; }

    public static BenchPostgres External(string connectionString) => new(connectionString, null, null, "an existing database (--pg)");

    public static async Task<BenchPostgres> StartAsync(bool fast, Reporter reporter)
    {
        var bindir = FindBindir();
        var root = Directory.CreateTempSubdirectory("orleansbreaker-bench-pg-").FullName;
        var port = FreeLoopbackPort();
        var settings = fast ? "fsync=off, synchronous_commit=off, full_page_writes=off (the tests' settings)" : "durable defaults (fsync=on, synchronous_commit=on)";
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            // Npgsql's pool defaults (100 per pool), as the product runs with a plain connection string.
            Host = "127.0.0.1", Port = port, Database = Database, Username = DbUser,
        }.ConnectionString;
        var server = new BenchPostgres(connectionString, bindir, root, $"PostgreSQL started by the harness on 127.0.0.1:{port}, {settings}, max_connections 300, shared_buffers 256MB");
        try
        {
            var data = Path.Combine(root, "data");
            Directory.CreateDirectory(data);
            if (RunningAsRoot)
            {
                await RunAsync("chown", asOwner: false, "-R", $"{OsUser}:", root);
            }
            reporter.Line($"postgres: initdb in {root}");
            await RunAsync(Path.Combine(bindir, "initdb"), asOwner: true, "-D", data, "-U", DbUser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync");
            var options = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300 -c shared_buffers=256MB " +
                          "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on";
            if (fast)
            {
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            }
            await RunAsync(Path.Combine(bindir, "pg_ctl"), asOwner: true, "-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", options, "start");
            server._running = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.KillNow();

            await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", admin);
                await create.ExecuteNonQueryAsync();
            }
            foreach (var file in Directory.GetFiles(Path.Combine(RepoRoot(), "deploy", "sql"), "*.sql").OrderBy(Path.GetFileName, StringComparer.Ordinal))
            {
                await RunAsync(Path.Combine(bindir, "psql"), asOwner: false, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                    "-h", "127.0.0.1", "-p", port.ToString(), "-U", DbUser, "-d", Database, "-f", file);
            }
            reporter.Line($"postgres: running on 127.0.0.1:{port}, deploy/sql applied");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_root is null || _bindir is null)
        {
            return;
        }
        try
        {
            if (_running)
            {
                await RunAsync(Path.Combine(_bindir, "pg_ctl"), asOwner: true, "-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop");
                _running = false;
            }
        }
        finally
        {
            TryDelete(_root);
        }
    }

    /// <summary>The folder holding OrleansBreaker.sln (for deploy/sql).</summary>
    public static string RepoRoot()
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

    private void KillNow()
    {
        if (!_running || _root is null)
        {
            return;
        }
        try
        {
            var first = File.ReadLines(Path.Combine(_root, "data", "postmaster.pid")).FirstOrDefault();
            if (int.TryParse(first, out var pid) && pid > 0)
            {
                _ = kill(pid, SigQuit);
            }
        }
        catch (IOException)
        {
        }
        _running = false;
        TryDelete(_root);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private static bool RunningAsRoot => Environment.UserName == "root";

    private static async Task RunAsync(string fileName, bool asOwner, params string[] arguments)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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
            throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }

    private static string FindBindir()
    {
        var candidates = new List<string>();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }
        try
        {
            using var pgConfig = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (pgConfig is not null)
            {
                candidates.Add(pgConfig.StandardOutput.ReadToEnd().Trim());
                pgConfig.WaitForExit();
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no pg_config on the PATH
        }
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new PostgresUnavailableException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or via pg_config; " +
                "install the Debian `postgresql` package or pass --pg <connection string>.");
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

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}

internal sealed class PostgresUnavailableException(string message) : Exception(message);
