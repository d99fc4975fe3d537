using System.Xml.Linq;
using OrleansBreaker.Client.Web;

namespace OrleansBreaker.Tests.Unit;

public sealed class ChartsTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static AccountHistory History(params BreakerMark[] marks)
    {
        var first = new DateOnly(2026, 11, 19);
        var days = Enumerable.Range(0, 14).Select(i => new HistoryDay(first.AddDays(i),
            new Dictionary<ActionType, int> { [ActionType.InMail] = i == 13 ? 7 : i % 3 },
            new Dictionary<ActionType, int> { [ActionType.InMail] = i < 7 ? 5 : 10 })).ToList();
        return new AccountHistory("Europe/Paris", days, marks);
    }

    [Fact]
    public void AnAccountsChart_HasABarPerDayTitledWithItsCountAndCap_TheCapLine_AndItsTripsAndClears()
    {
        var trip = new BreakerMark(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero), ActionType.InMail, true);
        var clear = new BreakerMark(new DateTimeOffset(2026, 11, 25, 23, 30, 0, TimeSpan.Zero), ActionType.InMail, false);
        var other = new BreakerMark(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero), ActionType.Invite, true);

        var svg = XElement.Parse(Charts.AccountAction(History(clear, other, trip), ActionType.InMail));

        var bars = svg.Elements(Svg + "rect").Where(r => (string?)r.Attribute("class") == "bar").ToList();
        Assert.Equal(14, bars.Count);
        Assert.Equal("2026-12-02: 7 of 10", bars[^1].Element(Svg + "title")!.Value);
        Assert.Equal("2026-11-19: 0 of 5", bars[0].Element(Svg + "title")!.Value);
        Assert.Single(svg.Elements(Svg + "polyline"), p => (string?)p.Attribute("class") == "cap");
        // The Invite trip is not this chart's; the clear at 23:30 UTC falls on the 26th in Paris, after the 25th's bar.
        var marks = svg.Elements(Svg + "line").Where(l => (string?)l.Attribute("class") is "trip" or "clear").ToList();
        Assert.Equal(["clear", "trip"], marks.Select(m => (string)m.Attribute("class")!));
        var clearX = double.Parse((string)marks[0].Attribute("x1")!, System.Globalization.CultureInfo.InvariantCulture);
        var bar26 = double.Parse((string)bars[7].Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(clearX, bar26 - 10, bar26 + 10);
        // The tallest bar or cap sets the scale: the cap's 10 here (7 delivered).
        Assert.Contains(svg.Elements(Svg + "text"), t => t.Value == "10");
    }

    [Fact]
    public void Charts_CarryNoInlineStyle_AndEscapeAccountIds()
    {
        var pool = new PoolHistory([new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 2)],
            new Dictionary<string, IReadOnlyList<int>> { ["a<b>&c"] = [1, 2], ["plain"] = [0, 3] });

        var markup = Charts.PoolSends(pool, ["a<b>&c", "plain"]);
        var svg = XElement.Parse(markup);

        Assert.DoesNotContain("style", markup, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", markup);
        var rects = svg.Elements(Svg + "rect").ToList();
        // Day 1: only a<b>&c (plain sent none); day 2: both, stacked.
        Assert.Equal(["2026-12-01 a<b>&c: 1", "2026-12-02 a<b>&c: 2", "2026-12-02 plain: 3"], rects.Select(r => r.Element(Svg + "title")!.Value));
        Assert.Equal(["s0", "s0", "s1"], rects.Select(r => (string)r.Attribute("class")!));
        Assert.DoesNotContain("style", Charts.AccountAction(History(), ActionType.InMail), StringComparison.OrdinalIgnoreCase);
    }
}
