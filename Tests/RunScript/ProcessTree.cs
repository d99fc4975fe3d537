using System.Diagnostics;
using System.Runtime.InteropServices;
using OrleansBreaker.Testing;

namespace OrleansBreaker.Tests.RunScript;

/// <summary>Linux processes as <c>/proc</c> shows them, and signals by pid or process group.</summary>
public static partial class ProcessTree
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigStop = 19;

    // libc's kill(2): a minimal CI image may lack the kill(1) program (procps).
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Sends a signal; a negative pid names a process group. A process already gone is not an error.</summary>
    public static void Signal(int pid, int signal) => _ = Kill(pid, signal);

    /// <summary>Alive: it exists and is not a zombie waiting for its parent (or for an init that never reaps).</summary>
    public static bool IsAlive(int pid) => ProcStat.IsAlive(pid);

    /// <summary>Every living descendant of <paramref name="root"/>, with its command line.</summary>
    public static IReadOnlyDictionary<int, string> Descendants(int root) => ProcStat.Descendants(root);

    public static string CommandLine(int pid) => ProcStat.CommandLine(pid);
}

/// <summary>Runs a short command to its end, output kept.</summary>
public static class Shell
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RunScript.RepoRoot };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in time");
        }
        return (process.ExitCode, await output + await error);
    }
}

/// <summary>Waits for a condition with a generous deadline; never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (watch.Elapsed > timeout)
            {
                throw new Xunit.Sdk.XunitException($"Not within {timeout}: {failure()}");
            }
            await Task.Delay(500);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, failure);
}
