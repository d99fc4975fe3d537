using Orleans.Runtime;

namespace OrleansBreaker.Accounts;

/// <summary>The breaker side of the account grain: trips, skips, and the two reminders that resume it.</summary>
internal sealed partial class AccountGrain
{
    /// <summary>Re-checks the event log for a success of the tripped action type (the article promises "within an hour").</summary>
    internal static readonly TimeSpan RecheckPeriod = TimeSpan.FromHours(1);
    /// <summary>
    /// Period of the reset reminder after its first tick. The handler unregisters it at the first tick it
    /// handles, so a healthy reset never sees a second one; but Orleans' reminder service can drop an
    /// occurrence that falls due while it refreshes its list (docs/benchmarks.md, finding E), and then
    /// the next occurrence, a minute later (Orleans' minimum period), is the retry.
    /// </summary>
    private static readonly TimeSpan ResetRetryPeriod = TimeSpan.FromMinutes(1);

    // The reminders this activation registered: unregistering with its handle needs no read of the row first.
    private readonly Dictionary<string, IGrainReminder> _reminderHandles = new(StringComparer.Ordinal);

    internal static string ResetReminder(ActionType action) => $"reset:{action}";
    internal static string RecheckReminder(ActionType action) => $"recheck:{action}";

    private async Task<DispatchResult> SkipAsync(DispatchCommand command, BreakerRecord breaker, DateTimeOffset now)
    {
        if (AddWaitingCampaign(command.Action, command.CampaignId))
        {
            await state.WriteStateAsync();
        }
        if (_remindersUnsure)
        {
            await EnsureRemindersAsync();
        }
        LogSkipped(Key, command.Action, command.ProspectId, breaker.ResumeAt);
        return new DispatchResult
        {
            Status = DispatchStatus.Skipped,
            Reason = Breaker.SkipReason(command.Action, breaker.Reason),
            ResumeAt = breaker.ResumeAt,
            TripId = breaker.TrippedAt,
            At = now,
        };
    }

    private async Task<DispatchResult> TripAsync(DispatchCommand command, OutcomeClass reason, string evidence, DateTimeOffset now, List<EventRecord> events)
    {
        var action = command.Action;
        var tripped = Breaker.Trip(S.Breaker(action), action, reason, now, _zone, S.ResetDay, evidence);
        S.Breakers[action] = tripped;
        AddWaitingCampaign(action, command.CampaignId);
        events.Add(Event(EventKind.BreakerTripped, action, now, command) with
        {
            Reason = Breaker.SkipReason(action, reason),
            ResumeAt = tripped.ResumeAt,
            Text = $"Breaker tripped: {action} ({reason}: {evidence}); resumes at {tripped.ResumeAt:u}",
        });
        LogTripped(Key, action, reason, tripped.ResumeAt, tripped.ReArmed);
        BreakerMetrics.Trip(action, reason);
        _remindersUnsure = true;
        await EnsureRemindersAsync();
        return new DispatchResult
        {
            Status = DispatchStatus.Skipped,
            Reason = Breaker.SkipReason(action, reason),
            ResumeAt = tripped.ResumeAt,
            TripId = tripped.TrippedAt,
            Outcome = reason,
            At = now,
        };
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var colon = reminderName.IndexOf(':');
        if (colon < 0 || !Enum.TryParse<ActionType>(reminderName[(colon + 1)..], out var action))
        {
            await UnregisterAsync(reminderName);
            return;
        }
        var now = time.GetUtcNow();
        var breaker = S.Breaker(action);
        if (!breaker.IsOpen)
        {
            // A duplicate or late tick for a breaker that already cleared: nothing to do but tidy up.
            await UnregisterBothAsync(action);
            return;
        }
        // The hourly re-check resumes too (a backstop for a lost reset tick), but only once this
        // account's jittered instant has passed: otherwise accounts tripped together would all resume
        // at their shared re-check tick, undoing the stagger.
        if (Breaker.ResumeDue(breaker, now)
            && (reminderName == ResetReminder(action) || now >= breaker.ResumeAt + ResetCalendar.Jitter(Key, options.Value.ResetSpread)))
        {
            await ResumeAsync(action, now);
            return;
        }
        if (reminderName.StartsWith("recheck", StringComparison.Ordinal) && breaker.TrippedAt is { } trippedAt)
        {
            var success = await eventLog.FindSuccessSinceAsync(_workspaceId, _accountId, action, Breaker.EvidenceSince(trippedAt));
            // A success dated after now is no evidence yet (BRIEF §7: no future-dated row decides anything).
            if (success is not null && success.At <= now)
            {
                await ClearAsync(action, Breaker.ClearOnSuccess(breaker, success.At), $"a successful {action} found in the event log", now);
                return;
            }
        }
        if (reminderName == ResetReminder(action))
        {
            // A reset tick before the resume instant (left over from an earlier trip, or a re-armed
            // breaker): re-register so the reminders match the persisted state. Re-check ticks leave
            // the registrations alone.
            _remindersUnsure = true;
            await EnsureRemindersAsync();
        }
    }

    /// <summary>A scheduled resume (the monthly reset or a window rolling): the next dispatch is a probe.</summary>
    private async Task ResumeAsync(ActionType action, DateTimeOffset now)
    {
        var breaker = S.Breaker(action);
        var resumed = Breaker.Resume(breaker, now);
        if (resumed == breaker)
        {
            return;
        }
        S.Breakers[action] = resumed;
        var evt = Event(EventKind.BreakerCleared, action, now) with
        {
            Reason = Breaker.SkipReason(action, breaker.Reason),
            Text = $"Breaker resumed: {action} at its scheduled reset; the next {action} is a single probe",
        };
        LogResumed(Key, action, breaker.ResumeAt);
        BreakerMetrics.Clear(action);
        await FinishClearAsync(action, [evt]);
    }

    private async Task ClearAsync(ActionType action, BreakerRecord cleared, string why, DateTimeOffset now, bool persist = true, List<EventRecord>? events = null)
    {
        var before = S.Breaker(action);
        S.Breakers[action] = cleared;
        var evt = Event(EventKind.BreakerCleared, action, now) with
        {
            Reason = Breaker.SkipReason(action, before.Reason),
            Text = $"Breaker cleared: {action} ({why})",
        };
        LogCleared(Key, action, why);
        BreakerMetrics.Clear(action);
        if (events is not null)
        {
            events.Add(evt);
        }
        await FinishClearAsync(action, events is null ? [evt] : [], persist);
    }

    private async Task FinishClearAsync(ActionType action, List<EventRecord> events, bool persist = true)
    {
        var campaigns = S.WaitingCampaigns.Remove(action, out var waiting) ? waiting : [];
        if (persist)
        {
            await PersistOutcomeAsync(events);
        }
        await UnregisterBothAsync(action);
        foreach (var campaign in campaigns)
        {
            // One-way: a campaign may be calling this account right now.
            await GrainFactory.GetGrain<ICampaignGrain>(GrainKeys.Scoped(_workspaceId, campaign)).BreakerClearedAsync(_accountId, action);
        }
    }

    private bool AddWaitingCampaign(ActionType action, string campaignId)
    {
        if (!S.WaitingCampaigns.TryGetValue(action, out var set))
        {
            S.WaitingCampaigns[action] = set = new HashSet<string>(StringComparer.Ordinal);
        }
        return set.Add(campaignId);
    }

    /// <summary>
    /// Registers the reset and re-check reminders of every open breaker. Reminders exist only while a
    /// breaker is open. Safe to repeat: registering an existing reminder updates it.
    /// </summary>
    private async Task EnsureRemindersAsync()
    {
        if (!_remindersUnsure)
        {
            return;
        }
        try
        {
            var now = time.GetUtcNow();
            foreach (var (action, breaker) in S.Breakers)
            {
                if (!breaker.IsOpen || breaker.ResumeAt is not { } resumeAt)
                {
                    continue;
                }
                // The user-visible resumeAt stays the reset instant; the jitter only staggers the work.
                var due = resumeAt + ResetCalendar.Jitter(Key, options.Value.ResetSpread) - now;
                _reminderHandles[ResetReminder(action)] = await this.RegisterOrUpdateReminder(ResetReminder(action), Max(due, TimeSpan.FromSeconds(1)), ResetRetryPeriod);
                _reminderHandles[RecheckReminder(action)] = await this.RegisterOrUpdateReminder(RecheckReminder(action), RecheckPeriod, RecheckPeriod);
            }
            _remindersUnsure = false;
        }
        catch (Exception ex)
        {
            // Retried on the next skip or activation; the persisted breaker keeps refusing meanwhile.
            LogReminderFailed(Key, ex);
        }
    }

    private async Task UnregisterBothAsync(ActionType action)
    {
        await UnregisterAsync(ResetReminder(action));
        await UnregisterAsync(RecheckReminder(action));
    }

    private async Task UnregisterAsync(string name)
    {
        try
        {
            if (_reminderHandles.Remove(name, out var handle))
            {
                try
                {
                    await this.UnregisterReminder(handle);
                    return;
                }
                catch (Exception)
                {
                    // Re-registered elsewhere since (another activation): read the row and try again.
                }
            }
            if (await this.GetReminder(name) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex)
        {
            // A leftover reminder is harmless: its tick finds the breaker closed and tries again.
            LogReminderFailed(Key, ex);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
