namespace OrleansBreaker.Accounts;

/// <summary>
/// Campaigns that share a paced account take turns at its slots. Without turns the slot after an interval goes
/// to whichever campaign arrives first, every time: one that does a little more work before it sends (a pool
/// storing its offers) would never get one. A campaign refused for pacing joins the line; when the slot opens,
/// the first in line has it for <c>grace</c> (time to come back), and others asking meanwhile are told to wait
/// until then. A campaign that does not come in time loses its place. In memory only: a line lost with the
/// activation costs one race, never a send. At most <see cref="Capacity"/> campaigns wait in line.
/// </summary>
internal sealed class PacingTurns(TimeSpan grace)
{
    internal const int Capacity = 16;

    private readonly List<string> _line = [];
    private DateTimeOffset _headUntil;

    /// <summary>
    /// Whether <paramref name="campaign"/> may take the slot open at <paramref name="now"/>; when not, the time
    /// its turn-holder's hold ends (it is put in line behind it).
    /// </summary>
    public DateTimeOffset? Held(string campaign, DateTimeOffset now)
    {
        while (_line.Count > 0 && _headUntil < now && _line[0] != campaign)
        {
            // Its turn-holder did not come back in time: the next one has the slot now.
            _line.RemoveAt(0);
            _headUntil = now + grace;
        }
        if (_line.Count == 0 || _line[0] == campaign)
        {
            return null;
        }
        Join(campaign);
        return _headUntil;
    }

    /// <summary><paramref name="campaign"/> was refused until <paramref name="slot"/> by pacing: it waits in line.</summary>
    public void Waiting(string campaign, DateTimeOffset slot)
    {
        if (Join(campaign) && _line.Count == 1)
        {
            _headUntil = slot + grace;
        }
    }

    /// <summary>A send went for <paramref name="campaign"/>; the next in line holds the next slot.</summary>
    public void Sent(string campaign, DateTimeOffset nextSlot)
    {
        if (_line.Remove(campaign) && _line.Count > 0)
        {
            _headUntil = nextSlot + grace;
        }
    }

    /// <summary>Campaigns in line, first first.</summary>
    public IReadOnlyList<string> Line => _line;

    private bool Join(string campaign)
    {
        if (_line.Contains(campaign) || _line.Count >= Capacity)
        {
            return false;
        }
        _line.Add(campaign);
        return true;
    }
}
