using System.Globalization;
using System.Text;

namespace OrleansBreaker.Benchmarks.Cluster;

public enum Verdict
{
    /// <summary>A baseline the other figures are divided by.</summary>
    Baseline,
    Pass,
    Miss,
    /// <summary>The feature under test is not implemented in this build.</summary>
    NotAvailableYet,
    /// <summary>Could not be measured here (e.g. no PostgreSQL binaries); the reason is in the figure.</summary>
    NotAvailable,
    /// <summary>The section threw: a harness or product failure, not a measurement.</summary>
    Failed,
}

/// <summary>One row of the summary table.</summary>
public sealed record Figure(string Id, string Title, string Measured, string Baseline, double? Ratio, string Target, Verdict Verdict)
{
    public string VerdictText => Verdict switch
    {
        Verdict.Baseline => "baseline",
        Verdict.Pass => "**PASS**",
        Verdict.Miss => "**MISS**",
        Verdict.NotAvailableYet => "not available yet",
        Verdict.NotAvailable => "not available",
        _ => "**FAILED**",
    };
}

/// <summary>The figures of one run and the details behind them, rendered as Markdown.</summary>
public sealed class HarnessSummary
{
    /// <summary>The rows every run has, in order: a figure, "not available (yet)", or "failed".</summary>
    public static readonly IReadOnlyList<(string Id, string Title)> Rows =
    [
        ("1", "Empty grain call (`IPingGrain`)"),
        ("2", "Dispatch, memory storage"),
        ("3", "Dispatch meeting an open breaker (skip)"),
        ("4a", "Raw Npgsql single-row INSERT"),
        ("4", "Dispatch, PostgreSQL storage + event log"),
        ("5", "Memory per idle account activation"),
        ("6", "Safety mode: trip → last dispatch start (3 silos)"),
        ("7", "Monthly reset of tripped accounts (PostgreSQL)"),
        ("8a", "Account path on the campaigns' cluster (figure 4's dispatch)"),
        ("8", "Dispatch through campaigns end to end (PostgreSQL, campaign timers, no pacing)"),
        ("9a", "PostgreSQL WAL per delivered action, campaign of 100 prospects"),
        ("9", "PostgreSQL WAL per delivered action, large campaign"),
        ("10a", "Idle CPU of an empty cluster"),
        ("10", "Idle: active campaigns with nothing due for an hour"),
        ("11a", "BRIEF §10 dispatch with no limit on concurrent campaign runs (the builds before the run gate)"),
        ("11", "BRIEF §10 whole: accounts, campaigns, prospects with simulation pacing (PostgreSQL)"),
        ("11b", "API write latency while figure 11 dispatches"),
        ("12a", "InMails delivered by the same campaign welded to one account (PostgreSQL, pacing)"),
        ("12", "InMails delivered by a campaign over a pool whose seats trip mid-run, of what the pool could deliver"),
        ("13a", "Dispatch through single-account campaigns (PostgreSQL, no pacing)"),
        ("13", "Dispatch through pool assignment, same accounts and prospects"),
    ];

    private readonly Dictionary<string, Figure> _figures = new(StringComparer.Ordinal);
    private readonly List<(string Heading, string Body)> _details = [];

    public IReadOnlyList<Figure> Figures => [.. Rows.Select(r => _figures.GetValueOrDefault(r.Id) ?? Missing(r.Id, r.Title))];

    public IReadOnlyList<string> Environment { get; set; } = [];

    public string? Markdown { get; private set; }

    public void Set(Figure figure) => _figures[figure.Id] = figure;

    public void Detail(string heading, string body) => _details.Add((heading, body));

    public static string TitleOf(string id) => Rows.First(r => r.Id == id).Title;

    public void NotAvailable(string id, string why, bool yet = false) =>
        Set(new Figure(id, TitleOf(id), why, "", null, "", yet ? Verdict.NotAvailableYet : Verdict.NotAvailable));

    public void Failed(string id, Exception ex) =>
        Set(new Figure(id, TitleOf(id), $"failed: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}", "", null, "", Verdict.Failed));

    public string Render(TimeSpan elapsed)
    {
        var md = new StringBuilder();
        md.AppendLine("# OrleansBreaker cluster benchmark").AppendLine();
        foreach (var line in Environment)
        {
            md.AppendLine($"- {line}");
        }
        md.AppendLine($"- Whole run: {elapsed.TotalMinutes:0.0} min").AppendLine();
        md.AppendLine("| # | figure | measured | baseline (same run) | ratio | target | result |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var f in Figures)
        {
            var ratio = f.Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) : "";
            md.AppendLine($"| {f.Id} | {f.Title} | {Cell(f.Measured)} | {Cell(f.Baseline)} | {ratio} | {Cell(f.Target)} | {f.VerdictText} |");
        }
        foreach (var (heading, body) in _details)
        {
            md.AppendLine().AppendLine($"## {heading}").AppendLine().AppendLine(body.TrimEnd());
        }
        Markdown = md.ToString();
        return Markdown;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static Figure Missing(string id, string title) => new(id, title, "not run (section not selected)", "", null, "", Verdict.NotAvailable);
}
