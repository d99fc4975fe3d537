using OrleansBreaker.Safety;

namespace OrleansBreaker.Accounts;

/// <summary>When a decision's change of the account's state must reach storage.</summary>
internal enum StateWrite
{
    /// <summary>
    /// Nothing the account must keep changed. A plain outcome (sent, or failed for this recipient) is one:
    /// the event log records it in place of the send's claim, and the state holds nothing of it.
    /// </summary>
    None,
    /// <summary>Written now; a failed write is logged, because the event log already holds what happened.</summary>
    Now,
    /// <summary>Written now; a failed write fails the call, so the caller can try again.</summary>
    NowOrFail,
}

/// <summary>What a decision did, for the grain to log and count.</summary>
internal abstract record Note;

internal sealed record TrippedNote(ActionType Action, OutcomeClass Reason, DateTimeOffset? ResumeAt, bool ReArmed) : Note;

internal sealed record ResumedNote(ActionType Action, DateTimeOffset? ResumeAt) : Note;

internal sealed record ClearedNote(ActionType Action, string Why) : Note;

internal sealed record StatusNote(AccountStatus Status, string Code) : Note;

/// <summary>What the workspace safety mode must hear of a send: a probe's outcome, or a transient error.</summary>
internal sealed record SafetyReport(bool? ProbeSucceeded, SafetyErrorReport? Error);

/// <summary>
/// What the grain must carry out after a decision of <see cref="AccountDecider"/>, in this order: append the
/// events (an event the log refuses rides in the state's outbox, and the state is then written now), give
/// back the claims of sends LinkedIn did not perform, write the state, register or remove reminders, tell
/// campaigns a breaker cleared, report to the safety mode.
/// Notes are logged and counted.
/// </summary>
internal sealed class Effects
{
    private List<ActionType>? _dropReminders;
    private List<(ActionType Action, IReadOnlyCollection<string> Campaigns)>? _cleared;
    private List<Note>? _notes;
    private List<string>? _release;

    public List<EventRecord> Events { get; } = [];
    public StateWrite Write { get; private set; }
    /// <summary>Register (or update) the reminders of every open breaker.</summary>
    public bool EnsureReminders { get; private set; }
    public SafetyReport? Safety { get; set; }
    /// <summary>Actions whose reset and re-check reminders go: their breaker is no longer open.</summary>
    public IReadOnlyList<ActionType> DropReminders => _dropReminders ?? [];
    /// <summary>Campaigns waiting on a breaker that cleared, per action.</summary>
    public IReadOnlyList<(ActionType Action, IReadOnlyCollection<string> Campaigns)> Cleared => _cleared ?? [];
    public IReadOnlyList<Note> Notes => _notes ?? [];
    /// <summary>Keys whose claim goes: LinkedIn did not perform the send, so the key may go out later.</summary>
    public IReadOnlyList<string> Release => _release ?? [];

    /// <summary>Asks for at least <paramref name="write"/>: a stronger write already asked for stays.</summary>
    public Effects Persist(StateWrite write)
    {
        Write = write > Write ? write : Write;
        return this;
    }

    public Effects Reminders()
    {
        EnsureReminders = true;
        return this;
    }

    public void Drop(ActionType action) => (_dropReminders ??= []).Add(action);

    public void Tell(ActionType action, IReadOnlyCollection<string> campaigns)
    {
        if (campaigns.Count > 0)
        {
            (_cleared ??= []).Add((action, campaigns));
        }
    }

    public void Note(Note note) => (_notes ??= []).Add(note);

    public void GiveBack(string key) => (_release ??= []).Add(key);
}
