namespace OrleansBreaker.Outcomes;

/// <summary>Where one outcome of the provider-wide feed goes: the campaign grain's key, or why it goes nowhere.</summary>
public sealed record OutcomeRoute(string? CampaignKey, string? Problem)
{
    /// <summary>
    /// The campaign named by the outcome's provider key <c>{workspace}/{campaign}/{prospect}/{step}</c>
    /// (<see cref="GrainKeys.ProviderKey"/>). The workspace comes from the key, never from a guess, so the
    /// accept or reply of one workspace's account can only reach that workspace's campaign, even when another
    /// workspace has a campaign and a prospect of the same names. A key that names no campaign, or names
    /// another prospect than the outcome's, goes nowhere: counting it somewhere would be a guess.
    /// </summary>
    public static OutcomeRoute Of(ProviderOutcome outcome)
    {
        if (outcome.Kind is not (EventKind.Accepted or EventKind.Replied))
        {
            return Nowhere($"{outcome.Kind} is not an accept or a reply");
        }
        if (outcome.IdempotencyKey is not { } key)
        {
            return Nowhere("it carries no idempotency key, so it names no campaign");
        }
        var parts = key.Split('/');
        if (parts.Length != 4 || parts[0].Length == 0 || GrainKeys.CampaignOfProviderKey(key) is not { } campaignId)
        {
            return Nowhere($"its key '{key}' is not {{workspace}}/{{campaign}}/{{prospect}}/{{step}}");
        }
        if (!string.Equals(parts[2], outcome.ProspectId, StringComparison.Ordinal))
        {
            return Nowhere($"its key '{key}' names another prospect than {outcome.ProspectId}");
        }
        return new OutcomeRoute(GrainKeys.Scoped(parts[0], campaignId), null);
    }

    private static OutcomeRoute Nowhere(string problem) => new(null, problem);
}
