using System.Diagnostics;
using OrleansBreaker.Testing;

namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// CPU ticks of each kind of process run.sh started (silos, dashboard, simulator), of its PostgreSQL,
/// of this load tool, and of the whole machine: the difference of two snapshots, in cores, says where
/// the window's CPU went and how much of it other work on this shared machine took.
/// </summary>
internal sealed record CpuSnapshot(long Timestamp, IReadOnlyDictionary<string, long> Ticks, long Machine)
{
    public static readonly IReadOnlyList<string> Groups = ["silos", "dashboard", "simulator", "postgres", "load tool", "other"];

    public static CpuSnapshot Take(RunShProcess run)
    {
        var ticks = Groups.ToDictionary(g => g, _ => 0L);
        foreach (var (pid, command) in run.Descendants())
        {
            var group = command.Contains("OrleansBreaker.Silo.dll", StringComparison.Ordinal) ? "silos"
                : command.Contains("OrleansBreaker.Client.dll", StringComparison.Ordinal) ? "dashboard"
                : command.Contains("OrleansBreaker.Simulator.dll", StringComparison.Ordinal) ? "simulator"
                : null;
            if (group is not null)
            {
                ticks[group] += ProcStat.CpuTicks(pid);
            }
        }
        // pg_ctl detached the server from run.sh: found through its data folder's postmaster.pid.
        if (run.PostmasterPid() is { } postmaster)
        {
            ticks["postgres"] = ProcStat.WithChildren(postmaster).Sum(ProcStat.CpuTicks);
        }
        ticks["load tool"] = (long)(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds * ProcStat.TicksPerSecond);
        return new CpuSnapshot(Stopwatch.GetTimestamp(), ticks, ProcStat.MachineBusyTicks());
    }

    /// <summary>Cores used per group between <paramref name="before"/> and this snapshot; "other" is the machine minus all of them.</summary>
    public IReadOnlyDictionary<string, double> Since(CpuSnapshot before)
    {
        var seconds = (Timestamp - before.Timestamp) / (double)Stopwatch.Frequency;
        double Cores(long ticks) => seconds <= 0 ? 0 : Math.Max(0, ticks / ProcStat.TicksPerSecond / seconds);
        var cores = Groups.Where(g => g != "other").ToDictionary(g => g, g => Cores(Ticks[g] - before.Ticks[g]));
        cores["other"] = Machine < 0 || before.Machine < 0 ? -1 : Math.Max(0, Cores(Machine - before.Machine) - cores.Values.Sum());
        return cores;
    }
}
