using System.Diagnostics;

namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>
/// Where the machine's CPU went over a phase, in cores: this process (silos, client, load), the
/// PostgreSQL the harness started (its postmaster and backends), and everything else. The machine
/// is shared (builds, other test runs): a phase with "other" well above zero measured less than
/// this machine can do, and its ratio is suspect. Linux only (/proc); elsewhere it reports nothing.
/// </summary>
internal sealed class CpuMeter(int? postmasterPid = null)
{
    private const double TicksPerSecond = 100; // USER_HZ

    public Sample Take()
    {
        var own = Process.GetCurrentProcess().TotalProcessorTime;
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu.Length > 7 ? cpu[7] : 0);
            return new Sample(Stopwatch.GetTimestamp(), busy, own, PostgresTicks());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return new Sample(Stopwatch.GetTimestamp(), -1, own, 0);
        }
    }

    private long PostgresTicks()
    {
        if (postmasterPid is not { } postmaster)
        {
            return 0;
        }
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (pid == postmaster || int.Parse(fields[1]) == postmaster)
                {
                    ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // the process ended while we looked
            }
        }
        return ticks;
    }

    public sealed record Sample(long At, long MachineTicks, TimeSpan Own, long PostgresTicks)
    {
        public Usage Minus(Sample before)
        {
            var seconds = Stopwatch.GetElapsedTime(before.At, At).TotalSeconds;
            if (seconds <= 0 || MachineTicks < 0 || before.MachineTicks < 0)
            {
                return new Usage(-1, (Own - before.Own).TotalSeconds / Math.Max(seconds, 1e-9), 0, 0);
            }
            var machine = (MachineTicks - before.MachineTicks) / TicksPerSecond / seconds;
            var own = (Own - before.Own).TotalSeconds / seconds;
            var pg = (PostgresTicks - before.PostgresTicks) / TicksPerSecond / seconds;
            return new Usage(machine, own, pg, Math.Max(0, machine - own - pg));
        }
    }

    public sealed record Usage(double Machine, double Own, double Postgres, double Other)
    {
        public string Text => Machine < 0 ? $"own {Own:0.00}" : $"{Own:0.00} / {Postgres:0.00} / {Other:0.00}";
    }
}
