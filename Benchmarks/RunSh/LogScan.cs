namespace OrleansBreaker.Benchmarks.RunSh;

/// <summary>
/// PostgreSQL's connection refusals as each side logged them: the simulator, silos and dashboard write
/// to run.sh's output (the tool keeps it in run.log), and the server writes its own <c>server.log</c>
/// (in the data folder; the tool copies it). A refusal is a line naming SQLSTATE <c>53300</c> or
/// "too many clients" (Npgsql's "53300: sorry, too many clients already", the server's FATAL).
/// </summary>
public sealed record LogScan(long RunShLines, long RunShRefusals, long PostgresLines, long PostgresRefusals, long ErrorLines, long StopErrorLines, IReadOnlyList<string> Samples)
{
    /// <param name="stopLine">run.sh's output line at which the stop began: errors after it are the stop's (grains still
    /// ticking while the silo shuts down), counted apart.</param>
    public static LogScan Count(string runLog, string pgLog, long stopLine)
    {
        var samples = new List<string>();
        var (runLines, runRefusals, errors, stopErrors) = Scan(runLog, samples, stopLine);
        var (pgLines, pgRefusals, _, _) = Scan(pgLog, samples, long.MaxValue);
        return new LogScan(runLines, runRefusals, pgLines, pgRefusals, errors, stopErrors, samples);
    }

    public static bool IsRefusal(string line) =>
        line.Contains("53300", StringComparison.Ordinal) || line.Contains("too many clients", StringComparison.OrdinalIgnoreCase);

    private static (long Lines, long Refusals, long Errors, long StopErrors) Scan(string path, List<string> samples, long stopLine)
    {
        if (!File.Exists(path))
        {
            return (0, 0, 0, 0);
        }
        long lines = 0, refusals = 0, errors = 0, stopErrors = 0;
        foreach (var line in File.ReadLines(path))
        {
            lines++;
            if (IsRefusal(line))
            {
                refusals++;
                if (samples.Count < 3)
                {
                    samples.Add(line.Length <= 240 ? line : line[..240] + "...");
                }
            }
            // The console formatter's level tags ("fail:", "crit:"): every error any process logged.
            if (line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal))
            {
                if (lines > stopLine)
                {
                    stopErrors++;
                }
                else
                {
                    errors++;
                }
            }
        }
        return (lines, refusals, errors, stopErrors);
    }
}
