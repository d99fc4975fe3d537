namespace OrleansBreaker.Campaigns;

/// <summary>
/// How many prospects stand on each step with each status, kept up to date with every change the grain
/// makes, so a view never walks the prospects. Counted from the store once per activation
/// (<see cref="IProspectStore.CountAsync"/>), never persisted: a count that cannot be written cannot drift.
/// </summary>
internal sealed class CampaignStats
{
    private readonly Dictionary<(int Step, ProspectStatus Status), int> _counts = [];

    public int Total { get; private set; }

    public void Load(IEnumerable<StepStatusCount> counts)
    {
        _counts.Clear();
        Total = 0;
        foreach (var c in counts)
        {
            _counts[(c.Step, c.Status)] = c.Count;
            Total += c.Count;
        }
    }

    public int Count(int step, ProspectStatus status) => _counts.GetValueOrDefault((step, status));

    public void Added(ProspectRecord p)
    {
        Bump(p, +1);
        Total++;
    }

    public void Changed(ProspectRecord before, ProspectRecord after)
    {
        if (before.StepIndex != after.StepIndex || before.Status != after.Status)
        {
            Bump(before, -1);
            Bump(after, +1);
        }
    }

    private void Bump(ProspectRecord p, int by)
    {
        var key = (p.StepIndex, p.Status);
        var n = _counts.GetValueOrDefault(key) + by;
        if (n == 0)
        {
            _counts.Remove(key);
        }
        else
        {
            _counts[key] = n;
        }
    }
}
