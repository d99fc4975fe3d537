using OrleansBreaker.Client.Auth;

namespace OrleansBreaker.Client.Api;

/// <summary>
/// The gate of every <c>/api/workspaces/{ws}/...</c> endpoint: ids in the path are valid, and the caller
/// may touch the workspace. Another workspace answers 404 with the same words as one that does not
/// exist, whatever it holds (API.md §2); so does, for the admin, a workspace never created.
/// </summary>
public static class WorkspaceAccess
{
    private static readonly string[] RouteIds = ["ws", "accountId", "campaignId", "prospectId"];

    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        foreach (var name in RouteIds)
        {
            if (http.GetRouteValue(name) is string value && !Ids.IsValid(value))
            {
                return Problems.InvalidId(name == "ws" ? "workspace" : name, value);
            }
        }
        var workspace = (string)http.GetRouteValue("ws")!;
        var caller = CallerClaims.From(http.User);
        if (caller is null || !caller.CanAccess(workspace))
        {
            return WorkspaceNotFound(workspace);
        }
        // A workspace key proves its workspace was created; the admin key proves nothing about the path,
        // and without this check it would fill a directory no key can ever open.
        if (caller.IsAdmin && !(await http.RequestServices.GetRequiredService<IClusterClient>().GetGrain<IWorkspaceGrain>(workspace).GetDirectoryAsync()).Created)
        {
            return WorkspaceNotFound(workspace);
        }
        return await next(context);
    }

    public static IResult WorkspaceNotFound(string workspace) => Problems.NotFound($"Workspace '{workspace}' not found.");
}
