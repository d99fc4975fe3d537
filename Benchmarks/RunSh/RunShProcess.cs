using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using OrleansBreaker.Testing;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// <c>./run.sh --postgres</c> started as a user starts it, in its own session (setsid: its own process
/// group, so a failed run can still kill everything it left behind), with its output, which is every
/// process's log (the simulator, the silos and the dashboard inherit its stdout and stderr), written
/// to a file. Stopping is bounded: SIGTERM to run.sh alone (its own trap stops every process and
/// PostgreSQL), then SIGKILL to its group, then <c>deploy/postgres.sh stop</c> for the data folder.
/// The same discipline as the black-box tests' <c>Tests/RunScript/RunScript.cs</c>.
/// </summary>
public sealed class RunShProcess : IAsyncDisposable
{
    public const string Banner = "Ctrl-C stops everything";

    /// <summary>run.sh's own bound is 30 s per process, then PostgreSQL's stop (up to 40 s).</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(120);

    private const int SigKill = 9;
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly string _pgData;
    private readonly string _repoRoot;
    private readonly Queue<string> _tail = new();
    private bool _bannerSeen;
    private long _lines;

    private RunShProcess(Process process, StreamWriter log, string pgData, string repoRoot)
    {
        _repoRoot = repoRoot;
        _process = process;
        _log = log;
        _pgData = pgData;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string PgData => _pgData;

    public string PgLogPath => Path.Combine(_pgData, "server.log");

    public bool BannerSeen
    {
        get
        {
            lock (_tail)
            {
                return _bannerSeen;
            }
        }
    }

    /// <summary>Lines of output so far: the line a stop starts at separates the run's errors from the stop's.</summary>
    public long Lines
    {
        get
        {
            lock (_tail)
            {
                return _lines;
            }
        }
    }

    /// <summary>The connection string run.sh printed (its "database:" line), once the banner is out.</summary>
    public string? ConnectionString { get; private set; }

    // libc's kill(2): negative pids name a process group.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>The ports run.sh and its PostgreSQL need, for a clear refusal before anything starts.</summary>
    public static IReadOnlyList<int> Ports(int silos) =>
        [5080, 5090, 55432, .. Enumerable.Range(0, silos).SelectMany(i => new[] { 11111 + i, 30000 + i, 5100 + i })];

    public static IReadOnlyList<int> PortsInUse(int silos) => [.. Ports(silos).Where(IsListening)];

    public static bool IsListening(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static RunShProcess Start(string repoRoot, int silos, string adminKey, string pgData, string logPath)
    {
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Path.Combine(repoRoot, "run.sh"));
        start.ArgumentList.Add("--postgres");
        start.ArgumentList.Add("--no-demo");
        if (silos > 1)
        {
            start.ArgumentList.Add("--silos");
            start.ArgumentList.Add(silos.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        // The key run.sh hands to the dashboard (it only generates one when none is set); the data folder
        // is this run's own, so a user's .data/pg is neither reused nor touched.
        start.Environment["Auth__AdminKey"] = adminKey;
        start.Environment["BREAKER_PG_DATA"] = pgData;
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        var run = new RunShProcess(process, log, pgData, repoRoot);
        process.OutputDataReceived += (_, e) => run.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_tail)
        {
            _log.WriteLine(line);
            _lines++;
            _tail.Enqueue(line);
            if (_tail.Count > 40)
            {
                _tail.Dequeue();
            }
            if (line.Contains(Banner, StringComparison.Ordinal))
            {
                _bannerSeen = true;
            }
            var database = line.IndexOf("database:", StringComparison.Ordinal);
            if (database >= 0 && line.TrimStart().StartsWith("database:", StringComparison.Ordinal))
            {
                ConnectionString = line[(database + "database:".Length)..].Trim();
            }
        }
    }

    public string Tail()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }

    /// <summary>Waits for run.sh's banner (printed once the dashboard answers /healthz); fails when run.sh exits first.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (!BannerSeen)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"run.sh exited with code {_process.ExitCode} before it was ready:\n{Tail()}");
            }
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"run.sh was not ready within {timeout.TotalSeconds:0} s:\n{Tail()}");
            }
            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>The processes run.sh started (its descendants), by pid, with their command lines.</summary>
    public IReadOnlyDictionary<int, string> Descendants() => ProcStat.Descendants(_process.Id);

    public int? PostmasterPid()
    {
        var file = Path.Combine(_pgData, "postmaster.pid");
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null;
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

    /// <summary>SIGTERM to run.sh alone, as Ctrl-C would; whether it exited in time.</summary>
    public async Task<(bool Clean, TimeSpan Took)> StopAsync()
    {
        var watch = Stopwatch.StartNew();
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
            using var cts = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                return (false, watch.Elapsed);
            }
        }
        return (true, watch.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        // Whatever is left of its group (a failed stop), and its PostgreSQL: never leave processes or ports behind.
        _ = Kill(-_process.Id, SigKill);
        if (PostmasterPid() is { } pid && ProcStat.IsAlive(pid))
        {
            var stop = new ProcessStartInfo(Path.Combine(_repoRoot, "deploy", "postgres.sh"), "stop");
            stop.Environment["BREAKER_PG_DATA"] = _pgData;
            stop.RedirectStandardOutput = true;
            stop.RedirectStandardError = true;
            using var postgres = Process.Start(stop)!;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await postgres.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                postgres.Kill(entireProcessTree: true);
            }
            if (ProcStat.IsAlive(pid))
            {
                _ = Kill(pid, SigKill);
            }
        }
        lock (_tail)
        {
            _log.Dispose();
        }
        _process.Dispose();
    }
}
