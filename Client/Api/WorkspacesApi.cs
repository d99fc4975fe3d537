using System.Text.Json;

namespace OrleansBreaker.Client.Api;

/// <summary><c>POST /api/workspaces</c> (admin key): creates a workspace and shows its API key once.</summary>
public static partial class WorkspacesApi
{
    public static IEndpointRouteBuilder MapWorkspacesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/workspaces", CreateAsync).RequireAuthorization(Auth.AuthSetup.ApiAdminPolicy);
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IClusterClient cluster, ILoggerFactory loggers)
    {
        var (root, error) = await RequestBody.ReadObjectAsync(request, request.HttpContext.RequestAborted);
        if (error is not null)
        {
            return error;
        }
        string? id;
        using (root)
        {
            if (root is null)
            {
                return Problems.BadRequest("The body must be a JSON object such as {\"id\":\"acme\"}.");
            }
            var body = new JsonBody.Reader(root.RootElement, "").Only("id");
            id = body.Id("id", required: true);
            if (!body.Ok)
            {
                return Problems.BadRequest(body.Error!);
            }
        }
        var (key, hash) = Auth.ApiKeys.NewWorkspaceKey(id!);
        if (!await cluster.GetGrain<IWorkspaceGrain>(id!).CreateAsync(hash))
        {
            return Problems.Conflict($"Workspace '{id}' already exists; its key was shown when it was created.");
        }
        LogCreated(loggers.CreateLogger(Problems.LogCategory), id!);
        return Results.Json(new WorkspaceCreatedJson(id!, key), statusCode: StatusCodes.Status201Created);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {Workspace} created")]
    private static partial void LogCreated(ILogger logger, string workspace);
}
