using System.Globalization;

namespace OrleansBreaker.Client.Web;

/// <summary>How the dashboard writes times: UTC, with a relative hint ("in 6 days").</summary>
public static class Display
{
    public static string Utc(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string UtcSeconds(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>For the <c>datetime</c> attribute of <c>&lt;time&gt;</c>.</summary>
    public static string Iso(DateTimeOffset? at) => at is { } t ? Api.ApiJson.Format(t) : "";

    /// <summary>"in 6 days", "in 3 hours", "12 minutes ago", "now".</summary>
    public static string Relative(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } t)
        {
            return "";
        }
        var delta = t - now;
        var span = delta.Duration();
        string amount;
        if (span >= TimeSpan.FromDays(2))
        {
            amount = Plural((int)span.TotalDays, "day");
        }
        else if (span >= TimeSpan.FromHours(2))
        {
            amount = Plural((int)span.TotalHours, "hour");
        }
        else if (span >= TimeSpan.FromMinutes(2))
        {
            amount = Plural((int)span.TotalMinutes, "minute");
        }
        else if (span >= TimeSpan.FromSeconds(30))
        {
            amount = "a minute";
        }
        else
        {
            return "now";
        }
        return delta > TimeSpan.Zero ? "in " + amount : amount + " ago";
    }

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";

    public static string BreakerClass(BreakerState state) => state switch
    {
        BreakerState.Open => "bad",
        BreakerState.Probing => "warn",
        _ => "ok",
    };

    public static string StatusClass(AccountStatus status) => status == AccountStatus.Connected ? "ok" : "bad";

    public static string ProspectClass(ProspectStatus status) => status switch
    {
        ProspectStatus.Done => "ok",
        ProspectStatus.Due => "ok",
        ProspectStatus.Waiting => "warn",
        _ => "bad",
    };
}
