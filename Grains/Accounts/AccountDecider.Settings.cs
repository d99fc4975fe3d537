namespace OrleansBreaker.Accounts;

/// <summary>What the account's owner sets (BRIEF §3, §12) and what is reported from outside (BRIEF §7, API.md §3).</summary>
internal sealed partial class AccountDecider
{
    /// <summary>Refuses settings that cannot apply, before anything changes (ArgumentException: the API's 400).</summary>
    public TimeZoneInfo Validate(AccountSettings settings)
    {
        var zone = settings.TimeZone is null ? Zone : ResolveZone(settings.TimeZone);
        if (settings.ResetDay is { } day && day is < 1 or > 31)
        {
            throw new ArgumentException($"resetDay must be a day of the month (1-31), not {day}.", nameof(settings));
        }
        foreach (var (action, limits) in settings.Limits ?? new Dictionary<ActionType, CapLimits>())
        {
            if (limits.Daily < 0 || limits.Weekly < 0)
            {
                throw new ArgumentException($"Caps of {action} must be zero or more (got daily {limits.Daily}, weekly {limits.Weekly}).", nameof(settings));
            }
        }
        if (!settings.EndWarmUp && settings.WarmUpDays is { } days && days is < 1 or > WarmUp.MaxDays)
        {
            throw new ArgumentException($"A warm-up lasts 1 to {WarmUp.MaxDays} days, not {days}.", nameof(settings));
        }
        return zone;
    }

    /// <summary>Applies settings <see cref="Validate"/> accepted. The grain writes the state and, when told, recounts in the new zone's days.</summary>
    public (bool Created, bool Recount) Configure(AccountSettings settings, TimeZoneInfo zone, DateTimeOffset now)
    {
        var created = !_state.Exists;
        var zoneChanged = zone.Id != Zone.Id;
        _state.Exists = true;
        _state.CreatedAt ??= now;
        _state.TimeZone = zone.Id;
        Zone = zone;
        _state.ResetDay = settings.ResetDay ?? _state.ResetDay;
        _state.WorkingHours = settings.WorkingHours ?? _state.WorkingHours;
        _state.Status = settings.Status ?? _state.Status;
        if (settings.EndWarmUp)
        {
            _state.WarmUp = null;
        }
        else if (settings.WarmUpDays is { } days)
        {
            // Counted from now, as BRIEF §12 says: setting it again starts it again.
            _state.WarmUp = new WarmUp(days, now);
        }
        foreach (var (action, limits) in settings.Limits ?? new Dictionary<ActionType, CapLimits>())
        {
            _state.Limits[action] = limits;
        }
        // The counters are kept per local day: a new account counts from the log, a new zone recounts in its days.
        return (created, created || zoneChanged);
    }

    /// <summary>
    /// The time an outside event is recorded at, and its key: refused (ArgumentException) in the future beyond
    /// the clock skew allowed, or before the account was created; within the skew, a time ahead of ours is ours.
    /// The same event posted twice has the same key, so it is recorded and counted once.
    /// </summary>
    public (DateTimeOffset At, string Key) External(ExternalEvent evt, DateTimeOffset now)
    {
        if (evt.At > now + ExternalClockSkew)
        {
            throw new ArgumentException(
                $"at {evt.At.UtcDateTime:O} is in the future: this server's clock says {now.UtcDateTime:O}, and at most {ExternalClockSkew.TotalMinutes:0} minutes of clock skew is allowed.", nameof(evt));
        }
        if (_state.CreatedAt is { } createdAt && evt.At < createdAt - ExternalClockSkew)
        {
            throw new ArgumentException(
                $"at {evt.At.UtcDateTime:O} is before account {_accountId} was created ({createdAt.UtcDateTime:O}): nothing of it can be recorded.", nameof(evt));
        }
        var at = evt.At > now ? now : evt.At;
        return (at, $"external/{evt.Kind}/{evt.Action}/{evt.ProspectId}/{at.UtcTicks}");
    }

    /// <summary>The record of an outside event; the account's own stays campaign-less for accepts and replies (the campaign writes the one its Activity shows).</summary>
    public EventRecord ExternalRecord(ExternalEvent evt, DateTimeOffset at, string key) => Event(evt.Kind, evt.Action, at) with
    {
        CampaignId = evt.Kind == EventKind.Sent ? evt.CampaignId : null,
        ProspectId = evt.ProspectId, Source = evt.Source, Key = key,
    };

    /// <summary>A delivery made outside our dispatch, once logged: it counts toward the caps and clears a tripped breaker of its action.</summary>
    public Effects? ExternalSent(ActionType action, DateTimeOffset at, DateTimeOffset now)
    {
        _caps.Add(action, at);
        var breaker = _state.Breaker(action);
        var cleared = Breaker.ClearOnSuccess(breaker, at);
        if (cleared == breaker)
        {
            return null;
        }
        var effects = new Effects();
        Clear(action, cleared, "a successful action reported from outside", now, effects);
        return effects;
    }

    private static TimeZoneInfo ResolveZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"Unknown time zone '{id}': use an IANA name such as 'Europe/Paris' or 'UTC'.", nameof(id));
        }
    }
}
