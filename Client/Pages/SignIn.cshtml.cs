using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrleansBreaker.Client.Auth;

namespace OrleansBreaker.Client.Pages;

/// <summary>Sign-in with an API key: the cookie carries who signed in (HttpOnly, SameSite=Strict), never the key.</summary>
public sealed partial class SignInModel(ApiKeys keys, ILogger<SignInModel> logger) : PageModel
{
    public string? Error { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? Workspace { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? key)
    {
        var caller = string.IsNullOrWhiteSpace(key) ? null : await keys.ResolveAsync(key.Trim());
        if (caller is null)
        {
            LogRefused("unknown key");
            Error = "Unknown key.";
            return Page();
        }
        var workspace = caller.WorkspaceId ?? Workspace?.Trim();
        if (!Ids.IsValid(workspace))
        {
            LogRefused("admin key without a valid workspace");
            Error = "With the admin key, give the workspace to open (letters, digits, '_' and '-').";
            return Page();
        }
        await HttpContext.SignInAsync(AuthSetup.CookieScheme, CallerClaims.Principal(caller, AuthSetup.CookieScheme, workspace));
        LogSignedIn(caller.IsAdmin ? "admin" : "workspace key", workspace!);
        var home = $"/w/{workspace}";
        return Redirect(ReturnUrl is { Length: > 0 } url && Url.IsLocalUrl(url) && caller.CanAccess(WorkspaceOf(url) ?? workspace!) ? url : home);
    }

    private static string? WorkspaceOf(string url) =>
        url.StartsWith("/w/", StringComparison.Ordinal) ? url[3..].Split('/', '?', '#')[0] : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard sign-in refused: {Why}")]
    private partial void LogRefused(string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard sign-in with the {Kind} for workspace {Workspace}")]
    private partial void LogSignedIn(string kind, string workspace);
}
