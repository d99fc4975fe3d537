namespace OrleansBreaker.Accounts;

/// <summary>What a reminder tick asks of the grain.</summary>
internal enum ReminderStepKind
{
    /// <summary>The breaker is not open (a duplicate or late tick): remove both reminders.</summary>
    Tidy,
    /// <summary>The breaker resumed: carry out the effects.</summary>
    Resumed,
    /// <summary>Look for a success of the action in the log since <see cref="ReminderStep.Since"/>, then <see cref="AccountDecider.SuccessFound"/>.</summary>
    LookForSuccess,
    /// <summary>A reset tick before the resume instant: register the reminders again so they match the state.</summary>
    Reregister,
    Nothing,
}

internal readonly record struct ReminderStep(ReminderStepKind Kind, Effects? Effects = null, DateTimeOffset Since = default);

/// <summary>The breakers' transitions that do not come from a send: resumes, clears on evidence, reminder ticks (BRIEF §4).</summary>
internal sealed partial class AccountDecider
{
    public ReminderStep OnReminder(ReminderKind kind, ActionType action, DateTimeOffset now)
    {
        var breaker = _state.Breaker(action);
        if (!breaker.IsOpen)
        {
            return new ReminderStep(ReminderStepKind.Tidy);
        }
        // The hourly re-check resumes too (a backstop for a lost reset tick), but only once this account's
        // jittered instant has passed: otherwise accounts tripped together would all resume at their shared
        // re-check tick, undoing the stagger.
        if (Breaker.ResumeDue(breaker, now) && (kind == ReminderKind.Reset || now >= breaker.ResumeAt + ResetJitter))
        {
            return new ReminderStep(ReminderStepKind.Resumed, Resume(action, now));
        }
        if (kind == ReminderKind.Recheck)
        {
            return breaker.TrippedAt is { } trippedAt
                ? new ReminderStep(ReminderStepKind.LookForSuccess, Since: Breaker.EvidenceSince(trippedAt))
                : new ReminderStep(ReminderStepKind.Nothing);
        }
        // A reset tick before the resume instant (left over from an earlier trip, or a re-armed breaker).
        return new ReminderStep(ReminderStepKind.Reregister);
    }

    /// <summary>The re-check's answer from the log: a success of the tripped action clears it. Null: still open.</summary>
    public Effects? SuccessFound(ActionType action, EventRecord? success, DateTimeOffset now)
    {
        var breaker = _state.Breaker(action);
        // A success dated after now is no evidence yet (BRIEF §7: no future-dated row decides anything).
        if (!breaker.IsOpen || success is null || success.At > now)
        {
            return null;
        }
        var effects = new Effects();
        Clear(action, Breaker.ClearOnSuccess(breaker, success.At), $"a successful {action} found in the event log", now, effects);
        return effects;
    }

    /// <summary>Registers a campaign that will not offer <paramref name="action"/> while its breaker is open. True: state changed.</summary>
    public bool WatchBreaker(string campaignId, ActionType action) => _state.Breaker(action).IsOpen && AddWaitingCampaign(action, campaignId);

    /// <summary>The reset jitter of this account: the user-visible resumeAt stays the reset instant; the jitter only staggers the work.</summary>
    public TimeSpan ResetJitter => ResetCalendar.Jitter(Key, _options.ResetSpread);

    /// <summary>A scheduled resume (the monthly reset or a window rolling): the next dispatch is a probe. Null: nothing changed.</summary>
    private Effects? Resume(ActionType action, DateTimeOffset now)
    {
        var breaker = _state.Breaker(action);
        var resumed = Breaker.Resume(breaker, now);
        if (resumed == breaker)
        {
            return null;
        }
        _state.Breakers[action] = resumed;
        var effects = new Effects().Persist(StateWrite.Now);
        effects.Events.Add(Event(EventKind.BreakerCleared, action, now) with
        {
            Reason = Breaker.SkipReason(action, breaker.Reason),
            Text = $"Breaker resumed: {action} at its scheduled reset; the next {action} is a single probe",
        });
        effects.Note(new ResumedNote(action, breaker.ResumeAt));
        Cleared(action, effects);
        return effects;
    }

    private void Clear(ActionType action, BreakerRecord cleared, string why, DateTimeOffset now, Effects effects)
    {
        var before = _state.Breaker(action);
        _state.Breakers[action] = cleared;
        effects.Persist(StateWrite.Now);
        effects.Events.Add(Event(EventKind.BreakerCleared, action, now) with
        {
            Reason = Breaker.SkipReason(action, before.Reason),
            Text = $"Breaker cleared: {action} ({why})",
        });
        effects.Note(new ClearedNote(action, why));
        Cleared(action, effects);
    }

    /// <summary>A breaker no longer open: its reminders go, and the campaigns waiting on it are told.</summary>
    private void Cleared(ActionType action, Effects effects)
    {
        effects.Drop(action);
        if (_state.WaitingCampaigns.Remove(action, out var waiting))
        {
            effects.Tell(action, waiting);
        }
    }

    private bool AddWaitingCampaign(ActionType action, string campaignId)
    {
        if (!_state.WaitingCampaigns.TryGetValue(action, out var set))
        {
            _state.WaitingCampaigns[action] = set = new HashSet<string>(StringComparer.Ordinal);
        }
        return set.Add(campaignId);
    }
}
