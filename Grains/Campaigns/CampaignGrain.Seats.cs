namespace OrleansBreaker.Campaigns;

internal sealed partial class CampaignGrain
{
    public Task<IReadOnlyList<PoolSeatCount>> GetPoolSeatsAsync() => throw new NotImplementedException("Bound counts come with the dashboard's pool (issue 12).");

    public Task<PoolHistory> GetPoolHistoryAsync(int days) => throw new NotImplementedException("The pool history comes with the dashboard's charts (issue 12).");
}
