using System.Globalization;

namespace OrleansBreaker.Testing;

/// <summary>
/// Linux processes as <c>/proc</c> shows them: liveness, descendants, CPU ticks and resident memory
/// (elsewhere: nothing). Shared by the run.sh black-box tests and the run.sh load tool.
/// </summary>
public static class ProcStat
{
    /// <summary>USER_HZ: the unit of the CPU times in <c>/proc/*/stat</c>.</summary>
    public const double TicksPerSecond = 100;

    public static bool IsAlive(int pid) => Stat(pid) is { } s && s.State is not ('Z' or 'X');

    /// <summary>Every living descendant of <paramref name="root"/>, with its command line.</summary>
    public static IReadOnlyDictionary<int, string> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var pid in Pids())
        {
            if (Stat(pid) is { } stat && stat.State != 'Z')
            {
                (children.TryGetValue(stat.Parent, out var list) ? list : children[stat.Parent] = []).Add(pid);
            }
        }
        var result = new Dictionary<int, string>();
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                result[child] = CommandLine(child);
                pending.Push(child);
            }
        }
        return result;
    }

    /// <summary>A process and its direct children (PostgreSQL's postmaster and its backends).</summary>
    public static IEnumerable<int> WithChildren(int parent) =>
        [parent, .. Pids().Where(pid => Stat(pid) is { } s && s.Parent == parent)];

    /// <summary>User plus system CPU ticks of the process (all its threads), 0 when it is gone.</summary>
    public static long CpuTicks(int pid) => Stat(pid)?.Ticks ?? 0;

    /// <summary>Busy ticks of the whole machine, all cores (from <c>/proc/stat</c>), -1 when unreadable.</summary>
    public static long MachineBusyTicks()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            return cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu.Length > 7 ? cpu[7] : 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    /// <summary>Resident memory in bytes (VmRSS), 0 when the process is gone.</summary>
    public static long ResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static IEnumerable<int> Pids()
    {
        if (!Directory.Exists("/proc"))
        {
            yield break;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static (char State, int Parent, long Ticks)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
