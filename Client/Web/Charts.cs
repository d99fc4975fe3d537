using System.Globalization;
using System.Net;
using System.Text;

namespace OrleansBreaker.Client.Web;

/// <summary>
/// Small server-rendered SVG charts: no script, no inline style (the dashboard's CSP allows neither); colours
/// come from classes in <see cref="SiteCss"/>. Every bar carries a &lt;title&gt; with its numbers, so the chart
/// reads without colour. Pure: same input, same markup.
/// </summary>
public static class Charts
{
    private const int Width = 560, Height = 140, Left = 34, Bottom = 22, Top = 8, Right = 8;
    private const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;
    /// <summary>Classes for the accounts of a pool chart, in turn.</summary>
    public const int SeriesClasses = 8;

    /// <summary>
    /// One action of an account over its days: a bar per local day (deliveries), the day's cap as a step line,
    /// and the breaker's trips (class <c>trip</c>) and clears (<c>clear</c>) as ticks at their time of day.
    /// </summary>
    public static string AccountAction(AccountHistory history, ActionType action)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(history.TimeZone);
        var days = history.Days;
        var sent = days.Select(d => d.Sent.GetValueOrDefault(action)).ToList();
        var caps = days.Select(d => d.DailyCap.GetValueOrDefault(action)).ToList();
        var max = Math.Max(1, Math.Max(sent.DefaultIfEmpty().Max(), caps.DefaultIfEmpty().Max()));
        var svg = Open($"{action}: deliveries per local day ({history.TimeZone}) against the daily cap, breaker trips and clears marked", $"chart-{action}");
        var slot = PlotWidth / (double)Math.Max(1, days.Count);
        for (var i = 0; i < days.Count; i++)
        {
            var h = PlotHeight * sent[i] / (double)max;
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{F(Left + i * slot + slot * 0.15)}\" y=\"{F(Top + PlotHeight - h)}\" width=\"{F(slot * 0.7)}\" height=\"{F(h)}\">")
               .Append(CultureInfo.InvariantCulture, $"<title>{days[i].Day:yyyy-MM-dd}: {sent[i]} of {caps[i]}</title></rect>");
        }
        if (days.Count > 0)
        {
            var cap = new StringBuilder();
            for (var i = 0; i < days.Count; i++)
            {
                var y = F(Top + PlotHeight - PlotHeight * caps[i] / (double)max);
                cap.Append(CultureInfo.InvariantCulture, $"{F(Left + i * slot)},{y} {F(Left + (i + 1) * slot)},{y} ");
            }
            svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"cap\" points=\"{cap.ToString().TrimEnd()}\"><title>daily cap</title></polyline>");
        }
        var first = days.Count > 0 ? days[0].Day : default;
        foreach (var mark in history.Marks.Where(m => m.Action == action))
        {
            var local = TimeZoneInfo.ConvertTime(mark.At, zone);
            var x = Left + ((DateOnly.FromDateTime(local.DateTime).DayNumber - first.DayNumber) + local.TimeOfDay.TotalDays) * slot;
            if (x < Left || x > Left + PlotWidth)
            {
                continue;
            }
            var kind = mark.Tripped ? "trip" : "clear";
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"{kind}\" x1=\"{F(x)}\" x2=\"{F(x)}\" y1=\"{Top}\" y2=\"{Top + PlotHeight}\">")
               .Append(CultureInfo.InvariantCulture, $"<title>{(mark.Tripped ? "tripped" : "cleared")} {mark.At.UtcDateTime:yyyy-MM-dd HH:mm} UTC</title></line>");
        }
        Axes(svg, max, days.Count > 0 ? $"{days[0].Day:MMM d}" : "", days.Count > 0 ? $"{days[^1].Day:MMM d}" : "");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>A pool's deliveries per UTC day, stacked per account (class <c>s0</c>..<c>s7</c> in pool order).</summary>
    public static string PoolSends(PoolHistory history, IReadOnlyList<string> accounts)
    {
        var days = history.Days;
        var totals = Enumerable.Range(0, days.Count).Select(i => accounts.Sum(a => At(history, a, i))).ToList();
        var max = Math.Max(1, totals.DefaultIfEmpty().Max());
        var svg = Open("The pool's deliveries per UTC day, stacked per account", "chart-pool");
        var slot = PlotWidth / (double)Math.Max(1, days.Count);
        for (var i = 0; i < days.Count; i++)
        {
            var y = (double)(Top + PlotHeight);
            for (var k = 0; k < accounts.Count; k++)
            {
                var n = At(history, accounts[k], i);
                if (n == 0)
                {
                    continue;
                }
                var h = PlotHeight * n / (double)max;
                y -= h;
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"s{k % SeriesClasses}\" x=\"{F(Left + i * slot + slot * 0.15)}\" y=\"{F(y)}\" width=\"{F(slot * 0.7)}\" height=\"{F(h)}\">")
                   .Append(CultureInfo.InvariantCulture, $"<title>{days[i]:yyyy-MM-dd} {WebUtility.HtmlEncode(accounts[k])}: {n}</title></rect>");
            }
        }
        Axes(svg, max, days.Count > 0 ? $"{days[0]:MMM d}" : "", days.Count > 0 ? $"{days[^1]:MMM d}" : "");
        return svg.Append("</svg>").ToString();
    }

    private static int At(PoolHistory history, string account, int day) =>
        history.SentPerAccount.TryGetValue(account, out var series) && day < series.Count ? series[day] : 0;

    private static StringBuilder Open(string title, string id) => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{id}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(title)}\">")
        .Append(CultureInfo.InvariantCulture, $"<title>{WebUtility.HtmlEncode(title)}</title>");

    private static void Axes(StringBuilder svg, int max, string first, string last)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{Top + PlotHeight}\" y2=\"{Top + PlotHeight}\"/>")
           .Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{Left - 4}\" y=\"{Top + 9}\" text-anchor=\"end\">{max}</text>")
           .Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{Left - 4}\" y=\"{Top + PlotHeight}\" text-anchor=\"end\">0</text>")
           .Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{Left}\" y=\"{Height - 6}\">{first}</text>")
           .Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{Left + PlotWidth}\" y=\"{Height - 6}\" text-anchor=\"end\">{last}</text>");
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
