namespace OrleansBreaker.Accounts;

internal enum ReminderKind
{
    /// <summary>Due at the breaker's (jittered) resume instant: the monthly reset, or the end of a rolling window.</summary>
    Reset,
    /// <summary>Hourly while the breaker is open: looks for a success in the event log (the article promises "within an hour").</summary>
    Recheck,
}

/// <summary>
/// The account's reminders in one place: their names, periods and when they are due. They exist only while a
/// breaker is open, two per open breaker; what a tick does is <see cref="AccountDecider.OnReminder"/>.
/// </summary>
internal static class AccountReminders
{
    public static readonly TimeSpan RecheckPeriod = TimeSpan.FromHours(1);
    /// <summary>
    /// Period of the reset reminder after its first tick. The handler unregisters it at the first tick it
    /// handles, so a healthy reset never sees a second one; but Orleans' reminder service can drop an
    /// occurrence that falls due while it refreshes its list (docs/benchmarks.md, finding E), and then
    /// the next occurrence, a minute later (Orleans' minimum period), is the retry.
    /// </summary>
    public static readonly TimeSpan ResetRetryPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SoonestDue = TimeSpan.FromSeconds(1);

    public static string Name(ReminderKind kind, ActionType action) => kind == ReminderKind.Reset ? $"reset:{action}" : $"recheck:{action}";

    public static bool TryParse(string name, out ReminderKind kind, out ActionType action)
    {
        (kind, action) = (ReminderKind.Reset, default);
        var colon = name.IndexOf(':');
        if (colon < 0 || !Enum.TryParse(name.AsSpan(colon + 1), out action))
        {
            return false;
        }
        switch (name[..colon])
        {
            case "reset":
                return true;
            case "recheck":
                kind = ReminderKind.Recheck;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The reminders the state calls for: both reminders of every open breaker, with when each is first due.</summary>
    public static IEnumerable<(string Name, TimeSpan Due, TimeSpan Period)> For(AccountState state, TimeSpan jitter, DateTimeOffset now)
    {
        foreach (var (action, breaker) in state.Breakers)
        {
            if (!breaker.IsOpen || breaker.ResumeAt is not { } resumeAt)
            {
                continue;
            }
            var due = resumeAt + jitter - now;
            yield return (Name(ReminderKind.Reset, action), due > SoonestDue ? due : SoonestDue, ResetRetryPeriod);
            yield return (Name(ReminderKind.Recheck, action), RecheckPeriod, RecheckPeriod);
        }
    }
}
