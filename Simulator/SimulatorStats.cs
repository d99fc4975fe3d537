using System.Collections.Concurrent;
using OrleansBreaker.Upstream;

namespace OrleansBreaker.Simulator;

/// <summary>
/// The account ids the simulator has been asked about, so that <c>GET /sim/stats</c> can total them
/// without a call per account. Fed from the route value <c>accountId</c> of every request (provider and
/// control API alike): an account that was never named in a request has no calls to count.
/// </summary>
internal sealed class AccountDirectory
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    public int Count => _ids.Count;

    public void Saw(string accountId)
    {
        // Invalid ids are refused by their endpoint and never reach the model; do not count them either.
        if (Ids.IsValid(accountId))
        {
            _ids.TryAdd(accountId, 0);
        }
    }

    public ICollection<string> All => _ids.Keys;
}

/// <summary>
/// Totals of the control API's per-account counters over every account seen: what a load test reads
/// once a second to get deliveries/s (an addition to API.md §4, whose endpoints are unchanged).
/// </summary>
internal sealed record StatsJson(int Accounts, long Calls, long Delivered, long DuplicateKeys,
    IReadOnlyDictionary<string, long> CallsByAction, IReadOnlyDictionary<string, long> DeliveredByAction)
{
    public static StatsJson Total(AccountDirectory directory, SimulatedLinkedIn linkedIn)
    {
        var calls = new Dictionary<ActionType, long>();
        var delivered = new Dictionary<ActionType, long>();
        long duplicates = 0;
        var accounts = 0;
        foreach (var id in directory.All)
        {
            var view = linkedIn.View(id);
            accounts++;
            duplicates += view.DuplicateKeys;
            foreach (var (action, n) in view.Calls)
            {
                calls[action] = calls.GetValueOrDefault(action) + n;
            }
            foreach (var (action, n) in view.Delivered)
            {
                delivered[action] = delivered.GetValueOrDefault(action) + n;
            }
        }
        return new StatsJson(accounts, calls.Values.Sum(), delivered.Values.Sum(), duplicates, ByName(calls), ByName(delivered));
    }

    private static Dictionary<string, long> ByName(Dictionary<ActionType, long> counts) =>
        ActionTypes.All.Where(counts.ContainsKey).ToDictionary(a => a.ToString(), a => counts[a]);
}
