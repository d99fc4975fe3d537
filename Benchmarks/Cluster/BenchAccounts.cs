namespace OrleansBreaker.Benchmarks.Cluster;

/// <summary>One benchmark account: ids unique within a run, workspaces of a fixed size.</summary>
internal sealed record BenchAccount(string Workspace, string Id)
{
    public string Key { get; } = GrainKeys.Scoped(Workspace, Id);
}

internal static class BenchAccounts
{
    /// <summary>Caps no run reaches, so that caps never decide a dispatch (the cap check itself still runs).</summary>
    public static readonly AccountSettings Generous = new()
    {
        // Non-UTC on purpose: every dispatch converts to the account's zone for its cap windows.
        TimeZone = "Europe/Paris",
        Limits = ActionTypes.All.ToDictionary(a => a, _ => new CapLimits(1_000_000, 1_000_000)),
    };

    public static BenchAccount[] Create(string prefix, int count, int perWorkspace) =>
        [.. Enumerable.Range(0, count).Select(i => new BenchAccount($"{prefix}w{i / perWorkspace:D5}", $"{prefix}a{i:D6}"))];

    public static DispatchCommand Command(string prospect, ActionType action) =>
        new() { CampaignId = "bench", ProspectId = prospect, Step = 1, Action = action };

    /// <summary>"Sent", or "Blocked/SafetyMode" when there is a reason: the label a load phase tallies.</summary>
    public static string Label(DispatchResult r) => r.Reason == Reason.None ? r.Status.ToString() : $"{r.Status}/{r.Reason}";
}
