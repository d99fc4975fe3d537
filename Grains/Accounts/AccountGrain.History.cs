namespace OrleansBreaker.Accounts;

internal sealed partial class AccountGrain
{
    public Task<AccountHistory> GetHistoryAsync(int days) => throw new NotImplementedException("The account history comes with the dashboard's charts (issue 12).");
}
