using System.Text.RegularExpressions;

namespace OrleansBreaker.Web;

/// <summary>Workspace, account, campaign and prospect ids: <c>[A-Za-z0-9_-]{1,64}</c> (API.md §2).</summary>
public static partial class Ids
{
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
