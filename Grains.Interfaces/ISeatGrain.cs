namespace OrleansBreaker;

/// <summary>
/// Who holds one LinkedIn seat, keyed by the account id alone: the provider knows an account by that id
/// only, so two workspaces with the same account id would spend one seat's credits and read its accepts
/// and replies. The first workspace to configure the account holds it for good; the grain's turns make
/// the claim race-free.
/// </summary>
[Alias("OrleansBreaker.ISeatGrain")]
public interface ISeatGrain : IGrainWithStringKey
{
    /// <summary>
    /// Claims the seat for <paramref name="workspaceId"/>: true when it is now (or was already) that
    /// workspace's, false, changing nothing, when another workspace holds it.
    /// </summary>
    [Alias("Claim")]
    Task<bool> ClaimAsync(string workspaceId);
}

/// <summary>
/// The account id is held by another workspace (API.md §3: a <c>409</c>). The message never names that
/// workspace: which workspaces exist is nobody else's business.
/// </summary>
[GenerateSerializer, Alias("OrleansBreaker.SeatTakenException")]
public sealed class SeatTakenException : Exception
{
    public SeatTakenException()
    {
    }

    public SeatTakenException(string message) : base(message)
    {
    }

    public SeatTakenException(string message, Exception inner) : base(message, inner)
    {
    }

    public static SeatTakenException For(string accountId) =>
        new($"Account '{accountId}' is held by another workspace: a LinkedIn seat belongs to one workspace.");
}
