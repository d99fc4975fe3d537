using System.Text;
using Npgsql;

namespace OrleansBreaker.Campaigns;

public sealed partial class PostgresProspectStore
{
    /// <summary>
    /// The SQL of one page of <see cref="ListAsync"/>: only the filters asked for go into it, so each page
    /// is a walk in id order from the cursor. With a status or reason filter, each (status, reason) pair the
    /// filter allows is one branch walking its range of <c>ix_breaker_prospects_status_reason</c>, in id
    /// order and cut at the page size, and the branches are merged in id order (a Merge Append, which
    /// pulls from each branch only what the page takes): a page reads about a page of entries plus one
    /// per branch, not every matching row. One index serves both filters, so a prospect write updates one
    /// index entry for them, not two (deploy/sql/003_prospects.sql). Without either filter, the primary
    /// key. Steps, open and account refine the walk.
    /// </summary>
    private static string ListSql(ProspectFilter filter, string? after, NpgsqlParameterCollection p)
    {
        var common = new StringBuilder("workspace_id = @workspace_id AND campaign_id = @campaign_id");
        if (after is not null)
        {
            common.Append(" AND prospect_id > @after");
            p.Add(new NpgsqlParameter<string>("after", after));
        }
        if (filter.Steps is { } steps)
        {
            common.Append(" AND step = ANY (@steps)");
            p.Add(new NpgsqlParameter<int[]>("steps", [.. steps.Distinct()]));
        }
        if (filter.Open is { } open)
        {
            common.Append(open ? " AND wake_at IS NOT NULL" : " AND wake_at IS NULL");
        }
        if (filter.AccountId is { } account)
        {
            common.Append(" AND account_id = @account_id");
            p.Add(new NpgsqlParameter<string>("account_id", account));
        }
        if (filter.Bound is { } bound)
        {
            common.Append(bound ? " AND account_id IS NOT NULL" : " AND account_id IS NULL");
        }

        var askedReasons = filter.Reasons is { Count: > 0 } asked ? asked.Distinct().Order().ToList() : null;
        if (filter.Status is null && askedReasons is null)
        {
            return $"SELECT {Columns} FROM breaker_prospects WHERE {common} ORDER BY prospect_id LIMIT @limit";
        }
        // Codes as literals: enum numbers, never text from outside, and what lets the planner seek each range.
        IEnumerable<ProspectStatus> statuses = filter.Status is { } status ? [status] : Enum.GetValues<ProspectStatus>();
        IEnumerable<Reason> reasons = askedReasons ?? [.. Enum.GetValues<Reason>()];
        var branches = statuses.SelectMany(_ => reasons, (s, r) =>
            $"SELECT {Columns} FROM breaker_prospects WHERE {common} AND status = {(short)s} AND reason = {(short)r} ORDER BY prospect_id LIMIT @limit").ToList();
        return branches.Count == 1
            ? branches[0]
            : $"SELECT {Columns} FROM ({string.Join(" UNION ALL ", branches.Select(b => $"({b})"))}) AS page ORDER BY prospect_id LIMIT @limit";
    }
}
