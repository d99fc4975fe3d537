using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace OrleansBreaker.Tests.RunScript;

/// <summary>
/// <c>./run.sh</c> started as a user starts it, in its own session (so that a failed test can still
/// kill everything it left behind), with its output kept for the assertion messages. Dispose stops it
/// whatever happened: SIGTERM, then SIGKILL to its whole process group, then the PostgreSQL of its data folder.
/// </summary>
public sealed class RunScript : IAsyncDisposable
{
    /// <summary>Generous for a loaded 2-core machine: a build, PostgreSQL, up to three silos and the dashboard.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string? _pgData;

    private RunScript(Process process, string? pgData)
    {
        _process = process;
        _pgData = pgData;
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    public int Pid => _process.Id;

    /// <summary>Set after a deliberate hard kill: Dispose then leaves the PostgreSQL of the data folder running for the next start.</summary>
    public bool KeepPostgres { get; set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="arguments">run.sh's options, as in the README.</param>
    /// <param name="environment">Extra environment (Auth__AdminKey, Clock__Start, BREAKER_PG_DATA...).</param>
    public static RunScript Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        // setsid: run.sh leads its own process group, which Dispose can kill as one even if run.sh is gone.
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Path.Combine(RepoRoot, "run.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start };
        var script = new RunScript(process, environment.GetValueOrDefault("BREAKER_PG_DATA"));
        process.OutputDataReceived += (_, e) => script.Append(e.Data);
        process.ErrorDataReceived += (_, e) => script.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return script;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Waits until the dashboard answers <c>/healthz</c> 200; fails at once when run.sh exits first.</summary>
    public async Task WaitHealthyAsync(HttpClient http)
    {
        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"run.sh exited with code {_process.ExitCode} before /healthz answered 200:\n{Tail()}");
            }
            return await Api.IsHealthyAsync(http);
        }, StartTimeout, () => "/healthz never answered 200:\n" + Tail());
    }

    /// <summary>The processes run.sh started that still run (its descendants), by pid, with their command lines.</summary>
    public IReadOnlyDictionary<int, string> Descendants() => ProcessTree.Descendants(_process.Id);

    /// <summary>The PostgreSQL server of this run's data folder, from its postmaster.pid.</summary>
    public int? PostmasterPid()
    {
        var file = _pgData is null ? null : Path.Combine(_pgData, "postmaster.pid");
        return file is not null && File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null;
    }

    /// <summary>SIGTERM to run.sh alone, as Ctrl-C or a service manager would send it; waits for it to exit.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        ProcessTree.Signal(_process.Id, ProcessTree.SigTerm);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A hard kill of run.sh and every process of its group (not PostgreSQL, which pg_ctl detached), as a crash of the terminal would.</summary>
    public async Task KillHardAsync()
    {
        ProcessTree.Signal(-_process.Id, ProcessTree.SigKill);
        await _process.WaitForExitAsync();
    }

    public string Tail(int lines = 60)
    {
        var all = Output.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await TerminateAsync(StopTimeout);
        }
        // Whatever is left of its group (a failed stop), and its PostgreSQL: never leave processes or ports behind.
        ProcessTree.Signal(-_process.Id, ProcessTree.SigKill);
        if (_pgData is not null && !KeepPostgres && PostmasterPid() is { } pid && ProcessTree.IsAlive(pid))
        {
            await Shell.RunAsync(Path.Combine(RepoRoot, "deploy", "postgres.sh"), ["stop"], new Dictionary<string, string> { ["BREAKER_PG_DATA"] = _pgData });
            if (ProcessTree.IsAlive(pid))
            {
                ProcessTree.Signal(pid, ProcessTree.SigKill);
            }
        }
        _process.Dispose();
    }

    /// <summary>Whether something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
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

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "run.sh")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds run.sh.");
    }
}
