using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace OrleansBreaker.Client.Auth;

/// <summary>
/// Two ways in: bearer keys for the REST API, and the dashboard's sign-in cookie (HttpOnly,
/// SameSite=Strict) for the web pages. The Orleans Dashboard takes either, with the admin key.
/// </summary>
public static class AuthSetup
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    /// <summary>Bearer when the request carries an Authorization header, the cookie otherwise.</summary>
    public const string EitherScheme = "BearerOrCookie";

    public const string ApiPolicy = "Api";
    public const string ApiAdminPolicy = "ApiAdmin";
    public const string DashboardPolicy = "Dashboard";
    public const string AdminPolicy = "Admin";

    public const string CookieName = "orleansbreaker.session";

    public static IServiceCollection AddBreakerAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeys>();
        services.AddAuthentication(CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/signin";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
            })
            .AddPolicyScheme(EitherScheme, "Bearer or cookie", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? ApiKeyAuthenticationHandler.SchemeName : CookieScheme);

        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(ApiAdminPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireRole(CallerClaims.AdminRole))
            .AddPolicy(DashboardPolicy, p => p.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser())
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(EitherScheme).RequireRole(CallerClaims.AdminRole));
        return services;
    }
}
