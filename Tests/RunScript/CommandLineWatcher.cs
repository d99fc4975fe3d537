namespace OrleansBreaker.Tests.RunScript;

/// <summary>
/// Records the command line of every process below a root while it runs, polling /proc as fast as it can,
/// so that a secret passed on a command line (visible to any user through <c>ps</c>) is caught even on a
/// short-lived curl, most of the time: a process that lives less than one scan can slip through.
/// </summary>
public sealed class CommandLineWatcher : IDisposable
{
    private readonly HashSet<string> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public CommandLineWatcher(int root)
    {
        _thread = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var commandLine in ProcessTree.Descendants(root).Values)
                {
                    lock (_seen)
                    {
                        _seen.Add(commandLine);
                    }
                }
                Thread.Sleep(2);
            }
        }) { IsBackground = true, Name = "run.sh command lines" };
        _thread.Start();
    }

    public void AssertNeverSaw(string secret)
    {
        lock (_seen)
        {
            Assert.NotEmpty(_seen);
            var leaks = _seen.Where(c => c.Contains(secret, StringComparison.Ordinal)).ToList();
            Assert.True(leaks.Count == 0, "a secret on a command line: " + string.Join(" | ", leaks.Select(l => l.Replace(secret, "<secret>", StringComparison.Ordinal))));
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
