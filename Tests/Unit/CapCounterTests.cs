using System.Globalization;
using OrleansBreaker.Accounts;
using OrleansBreaker.EventLog;

namespace OrleansBreaker.Tests.Unit;

/// <summary>
/// The account's per-day counters against <see cref="CapWindows.Count"/>, which counts a list of every
/// delivery and is the plain statement of BRIEF §2's windows: both must agree on every window.
/// </summary>
public sealed class CapCounterTests
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public static TheoryData<string> Zones => new()
    {
        "UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "America/Santiago", "Asia/Kolkata", "Pacific/Chatham",
    };

    [Theory]
    [MemberData(nameof(Zones))]
    public void Counts_AgreeWithCountingEveryDelivery_AsTimeMovesOverThreeWeeksAndTwoDstChanges(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var random = new Random(zoneId.Sum(c => c));
        var counter = new CapCounter();
        counter.Reset([], zone);
        var delivered = new List<DeliveredAction>();
        // Late March to mid-April 2027: Europe and the US have changed to summer time, Santiago to winter time.
        var now = At("2027-03-22T00:00:00Z");
        for (var step = 0; step < 1_500; step++)
        {
            now = now.AddMinutes(random.Next(1, 40));
            var action = ActionTypes.All[random.Next(ActionTypes.All.Count)];
            counter.Add(action, now);
            delivered.Add(new DeliveredAction(action, now));

            var probe = ActionTypes.All[random.Next(ActionTypes.All.Count)];
            Assert.Equal(CapWindows.Count(delivered, probe, now, zone), counter.Count(probe, now));
        }
    }

    [Fact]
    public void Reset_ReplacesTheCounts_AndCountsInTheNewZone()
    {
        // 2027-01-20T16:00Z is Thursday Jan 21 01:00 in Tokyo; that local day started at 15:00Z.
        var now = At("2027-01-20T16:00:00Z");
        DeliveredAction[] delivered = [new(ActionType.Message, At("2027-01-20T14:59:00Z")), new(ActionType.Message, At("2027-01-20T15:01:00Z"))];
        var counter = new CapCounter();
        counter.Reset(delivered, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        var inTokyo = counter.Count(ActionType.Message, now);

        counter.Reset(delivered, TimeZoneInfo.Utc);

        Assert.Equal((1, 2), inTokyo);
        Assert.Equal((2, 2), counter.Count(ActionType.Message, now));
        Assert.Equal(At("2027-01-20T15:01:00Z"), counter.LastAt);
    }

    [Fact]
    public void OldDays_AreForgotten_WithoutChangingAnyCount()
    {
        var counter = new CapCounter();
        counter.Reset([], TimeZoneInfo.Utc);
        var monday = At("2027-01-04T09:00:00Z");
        for (var day = 0; day < 60; day++)
        {
            foreach (var action in ActionTypes.All)
            {
                counter.Add(action, monday.AddDays(day));
            }
            Assert.Equal((1, day % 7 + 1), counter.Count(ActionType.Invite, monday.AddDays(day)));
        }

        Assert.True(counter.TrackedDays <= ActionTypes.All.Count * 9, $"{counter.TrackedDays} day counters kept");
    }
}
