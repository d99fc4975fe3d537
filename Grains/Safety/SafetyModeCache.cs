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
        // Every dispatch of the workspace on this silo passes here: a fresh view is read without a lock.
        if (entry.Current is { } current && current.IsFresh)
        {
            return current.View;
        }
        Task<SafetyView> refresh;
        lock (entry)
        {
            if (entry.Current is { } fetched && fetched.IsFresh)
            {
                return fetched.View;
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
        entry.Current = new Snapshot(view, Environment.TickCount64);
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

    private sealed record Snapshot(SafetyView View, long FetchedAt)
    {
        public bool IsFresh => Environment.TickCount64 - FetchedAt < Staleness.TotalMilliseconds;
    }

    private sealed class Entry
    {
        public volatile Snapshot? Current;
        public Task<SafetyView>? Refresh;
    }
}
