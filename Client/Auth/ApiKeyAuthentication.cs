using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OrleansBreaker.Client.Api;

namespace OrleansBreaker.Client.Auth;

/// <summary><c>Authorization: Bearer &lt;key&gt;</c> (API.md §2): the admin key or a workspace key.</summary>
public sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    ApiKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <key>'.");
        }
        var caller = await keys.ResolveAsync(header["Bearer ".Length..].Trim());
        return caller is null
            ? AuthenticateResult.Fail("Unknown API key.")
            : AuthenticateResult.Success(new AuthenticationTicket(CallerClaims.Principal(caller, SchemeName), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure?.Message ?? "No API key: send 'Authorization: Bearer <key>'.";
        Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.Unauthorized(detail).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Forbidden("This needs the admin key; a workspace key may only touch its own workspace.").ExecuteAsync(Context);
}

/// <summary>The claims a <see cref="Caller"/> travels as, in a bearer request or the dashboard's cookie.</summary>
public static class CallerClaims
{
    public const string AdminRole = "admin";
    public const string WorkspaceClaim = "workspace";

    public static ClaimsPrincipal Principal(Caller caller, string scheme, string? currentWorkspace = null)
    {
        var claims = new List<Claim>();
        if (caller.IsAdmin)
        {
            claims.Add(new Claim(ClaimTypes.Role, AdminRole));
        }
        if ((caller.WorkspaceId ?? currentWorkspace) is { } workspace)
        {
            claims.Add(new Claim(WorkspaceClaim, workspace));
        }
        claims.Add(new Claim(ClaimTypes.Name, caller.IsAdmin ? "admin" : caller.WorkspaceId!));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The caller of an authenticated principal; null when not signed in.</summary>
    public static Caller? From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        if (user.IsInRole(AdminRole))
        {
            return Caller.Admin;
        }
        return user.FindFirst(WorkspaceClaim)?.Value is { } workspace ? Caller.Workspace(workspace) : null;
    }

    /// <summary>The workspace the dashboard opens on: a workspace key's own, or the one an admin chose at sign-in.</summary>
    public static string? HomeWorkspace(ClaimsPrincipal user) => user.FindFirst(WorkspaceClaim)?.Value;
}
