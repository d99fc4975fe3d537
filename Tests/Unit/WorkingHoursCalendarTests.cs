using Microsoft.Extensions.Configuration;
using OrleansBreaker.Accounts;
using OrleansBreaker.Hosting;

namespace OrleansBreaker.Tests.Unit;

public sealed class WorkingHoursCalendarTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly WorkingHours OfficeHours = new()
    {
        Start = new TimeOnly(8, 0), End = new TimeOnly(19, 0),
        Days = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
    };

    [Fact]
    public void NoWorkingHours_IsAlwaysOpen()
    {
        Assert.Null(WorkingHoursCalendar.NextOpening(new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero), NewYork, null));
    }

    [Fact]
    public void InsideTheWindow_InTheAccountsZone_IsOpen()
    {
        // Tuesday 2026-11-24 14:00 UTC is 09:00 in New York.
        Assert.Null(WorkingHoursCalendar.NextOpening(new DateTimeOffset(2026, 11, 24, 14, 0, 0, TimeSpan.Zero), NewYork, OfficeHours));
    }

    [Fact]
    public void BeforeOpening_WaitsUntilLocalOpening()
    {
        // Tuesday 12:00 UTC is 07:00 in New York: opens at 08:00 local = 13:00 UTC.
        var next = WorkingHoursCalendar.NextOpening(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero), NewYork, OfficeHours);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero), next);
    }

    [Fact]
    public void FridayEvening_WaitsUntilMondayMorning()
    {
        // Friday 2026-11-27 19:30 New York (00:30 UTC Saturday).
        var next = WorkingHoursCalendar.NextOpening(new DateTimeOffset(2026, 11, 28, 0, 30, 0, TimeSpan.Zero), NewYork, OfficeHours);

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 13, 0, 0, TimeSpan.Zero), next);
    }

    [Fact]
    public void WindowAcrossMidnight_IsOpenAfterMidnight()
    {
        var night = new WorkingHours { Start = new TimeOnly(22, 0), End = new TimeOnly(2, 0) };

        Assert.Null(WorkingHoursCalendar.NextOpening(new DateTimeOffset(2026, 11, 24, 23, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc, night));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 22, 0, 0, TimeSpan.Zero),
            WorkingHoursCalendar.NextOpening(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc, night));
    }

    [Fact]
    public void ProductionAppSettings_BindToOfficeHoursMondayToFriday()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(PostgresServer.RepoRoot, "Silo", "appsettings.json"))
            .Build();

        var options = configuration.GetSection(DispatchOptions.Section).Get<DispatchOptions>()!;

        Assert.Equal(OfficeHours.Start, options.WorkingHours!.Start);
        Assert.Equal(OfficeHours.End, options.WorkingHours.End);
        Assert.Equal(OfficeHours.Days, options.WorkingHours.Days);
        Assert.Equal(TimeSpan.FromSeconds(45), options.MinInterval);
    }
}

public sealed class SimulationProfileTests
{
    [Fact]
    public void SimulationProfile_Is24x7_OverTheProductionWorkingHours()
    {
        var silo = Path.Combine(PostgresServer.RepoRoot, "Silo");
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(silo, "appsettings.json"))
            .AddJsonFile(Path.Combine(silo, "appsettings.Development.json"))
            .Build();

        var options = configuration.GetSection(DispatchOptions.Section).Get<DispatchOptions>()!;

        // Every hour of a whole week, in a zone far from UTC, is inside the working hours.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        Assert.All(Enumerable.Range(0, 7 * 24), h => Assert.Null(WorkingHoursCalendar.NextOpening(start.AddHours(h), zone, options.WorkingHours)));
        Assert.Equal(TimeSpan.FromSeconds(1), options.MinInterval);
    }
}
