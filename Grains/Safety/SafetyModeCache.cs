using System.Collections.Concurrent;

namespace OrleansBreaker.Safety;

/// <summary>
/// Per-silo view of each workspace's safety mode with bounded staleness. Accounts ask it before
/// every dispatch; it calls the workspace's safety grain at most once per <see cref="Staleness"/>
/// per workspace (single-flight), so a workspace's dispatches are never serialised through one
/// grain, and a trip stops every silo within the staleness plus one call.
/// </summary>
public sealed class SafetyModeCache(IGrainFactory grains)
{
    /// <summary>How old a cached view may be. Well under the 1 s promise, leaving room for the refresh call.</summary>
    public static readonly TimeSpan Staleness = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async ValueTask<SafetyView> GetAsync(string workspaceId)
    {
        var entry = _entries.GetOrAdd(workspaceId, _ => new Entry());
        Task<SafetyView> refresh;
        lock (entry)
        {
            if (entry.View is { } view && Environment.TickCount64 - entry.FetchedAt < Staleness.TotalMilliseconds)
            {
                return view;
            }
            entry.Refresh ??= FetchAsync(workspaceId, entry);
            refresh = entry.Refresh;
        }
        return await refresh;
    }

    /// <summary>A fresher view learned from the grain's own answer (after a report): no wait for the next refresh.</summary>
    public void Update(string workspaceId, SafetyView view)
    {
        var entry = _entries.GetOrAdd(workspaceId, _ => new Entry());
        lock (entry)
        {
            entry.View = view;
            entry.FetchedAt = Environment.TickCount64;
        }
    }

    private async Task<SafetyView> FetchAsync(string workspaceId, Entry entry)
    {
        try
        {
            var view = await grains.GetGrain<ISafetyModeGrain>(workspaceId).GetViewAsync();
            Update(workspaceId, view);
            return view;
        }
        finally
        {
            lock (entry)
            {
                entry.Refresh = null;
            }
        }
    }

    private sealed class Entry
    {
        public SafetyView? View;
        public long FetchedAt;
        public Task<SafetyView>? Refresh;
    }
}
