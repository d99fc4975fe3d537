using Orleans.Runtime;

namespace OrleansBreaker.Accounts;

/// <summary>The account's reminders (<see cref="AccountReminders"/>): ticks go to the decider; registrations follow the state.</summary>
internal sealed partial class AccountGrain
{
    // The reminders this activation registered: unregistering with its handle needs no read of the row first.
    private readonly Dictionary<string, IGrainReminder> _reminderHandles = new(StringComparer.Ordinal);
    // True while the registrations may not match the state (after a trip, at activation, after a failure).
    private bool _remindersUnsure;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!AccountReminders.TryParse(reminderName, out var kind, out var action))
        {
            await UnregisterAsync(reminderName);
            return;
        }
        var now = time.GetUtcNow();
        var step = _account.OnReminder(kind, action, now);
        switch (step.Kind)
        {
            case ReminderStepKind.Tidy:
                await UnregisterAsync(AccountReminders.Name(ReminderKind.Reset, action));
                await UnregisterAsync(AccountReminders.Name(ReminderKind.Recheck, action));
                break;
            case ReminderStepKind.Resumed:
                await CarryOutAsync(step.Effects);
                break;
            case ReminderStepKind.LookForSuccess:
                var success = await eventLog.FindSuccessSinceAsync(_workspaceId, _accountId, action, step.Since);
                await CarryOutAsync(_account.SuccessFound(action, success, time.GetUtcNow()));
                break;
            case ReminderStepKind.Reregister:
                _remindersUnsure = true;
                await EnsureRemindersAsync();
                break;
        }
    }

    /// <summary>
    /// Registers the reset and re-check reminders of every open breaker, when they may not match the state.
    /// Safe to repeat: registering an existing reminder updates it.
    /// </summary>
    private async Task EnsureRemindersAsync()
    {
        if (!_remindersUnsure)
        {
            return;
        }
        try
        {
            foreach (var (name, due, period) in AccountReminders.For(S, _account.ResetJitter, time.GetUtcNow()))
            {
                _reminderHandles[name] = await this.RegisterOrUpdateReminder(name, due, period);
            }
            _remindersUnsure = false;
        }
        catch (Exception ex)
        {
            // Retried on the next skip or activation; the persisted breaker keeps refusing meanwhile.
            LogReminderFailed(Key, ex);
        }
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
}
