using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrleansBreaker.Client.Auth;
using OrleansBreaker.Client.Hosting;

namespace OrleansBreaker.Client.Pages;

/// <summary>
/// A dashboard page inside one workspace (<c>/w/{ws}/...</c>). Ids in the path must be valid and the
/// signed-in caller must own the workspace (or be the admin); otherwise the page is a 404, the same as
/// for something that does not exist.
/// </summary>
public abstract class WorkspacePage : PageModel
{
    private static readonly string[] RouteIds = ["ws", "accountId", "campaignId", "prospectId"];

    public string Ws { get; private set; } = "";

    public DateTimeOffset Now { get; private set; }

    protected IClusterClient Cluster => HttpContext.RequestServices.GetRequiredService<IClusterClient>();

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        foreach (var name in RouteIds)
        {
            if (RouteData.Values.TryGetValue(name, out var value) && !Ids.IsValid(value as string))
            {
                context.Result = NotFound();
                return;
            }
        }
        Ws = (string)RouteData.Values["ws"]!;
        if (CallerClaims.From(User) is not { } caller || !caller.CanAccess(Ws))
        {
            context.Result = NotFound();
            return;
        }
        Now = HttpContext.RequestServices.GetRequiredKeyedService<TimeProvider>(ClientClock.Key).GetUtcNow();
        await next();
    }

    protected string Route(string name) => (string)RouteData.Values[name]!;

    public string Link(string path = "") => $"/w/{Ws}{path}";
}
