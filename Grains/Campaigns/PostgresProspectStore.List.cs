using System.Text;
using Npgsql;

namespace OrleansBreaker.Campaigns;

public sealed partial class PostgresProspectStore
{
    /// <summary>
    /// The SQL of one page of <see cref="ListAsync"/>: only the filters asked for go into it, so each page
    /// is a walk in id order from the cursor down one index. A status filter walks
    /// <c>ix_breaker_prospects_status</c>; each reason asked for is one branch walking
    /// <c>ix_breaker_prospects_reason</c> (or, with a status, either index), and the branches, each in id
    /// order and cut at the page size, are merged in id order: a page costs at most a page per reason,
    /// not every matching row. Without either, the primary key. Steps, open and account refine the walk.
    /// </summary>
    private static string ListSql(ProspectFilter filter, string? after, NpgsqlParameterCollection p)
    {
        var common = new StringBuilder("workspace_id = @workspace_id AND campaign_id = @campaign_id");
        if (after is not null)
        {
            common.Append(" AND prospect_id > @after");
            p.Add(new NpgsqlParameter<string>("after", after));
        }
        if (filter.Status is { } status)
        {
            // A literal: an enum's number, never text from outside.
            common.Append(" AND status = ").Append((short)status);
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

        var reasons = filter.Reasons is { Count: > 0 } asked ? asked.Distinct().Order().ToList() : [];
        if (reasons.Count <= 1)
        {
            var where = reasons.Count == 0 ? common.ToString() : $"{common} AND reason = {(short)reasons[0]}";
            return $"SELECT {Columns} FROM breaker_prospects WHERE {where} ORDER BY prospect_id LIMIT @limit";
        }
        var branches = reasons.Select(r =>
            $"(SELECT {Columns} FROM breaker_prospects WHERE {common} AND reason = {(short)r} ORDER BY prospect_id LIMIT @limit)");
        return $"SELECT {Columns} FROM ({string.Join(" UNION ALL ", branches)}) AS page ORDER BY prospect_id LIMIT @limit";
    }
}
