using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrleansBreaker.Client.Auth;

namespace OrleansBreaker.Client.Pages;

/// <summary>The front door: the signed-in workspace, or the sign-in page.</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() =>
        CallerClaims.HomeWorkspace(User) is { } home && User.Identity?.IsAuthenticated == true ? Redirect($"/w/{home}") : Redirect("/signin");
}
