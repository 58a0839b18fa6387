using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Audit.Api.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.StaticFiles;

namespace Audit.Api.WebConsole;

/// <summary>
/// The web console (issue 13) on the API's own port and users: HTML pages, stylesheets and small ES modules embedded
/// in the assembly (wwwroot/, nothing from a CDN), talking to the API as the logged-in user through the session cookie.
/// A page needs a session (without one: a redirect to the login page); its data comes from the API, which judges every
/// request by the user's role. State-changing requests on a session carry the antiforgery token the page was served
/// with (<c>X-CSRF-TOKEN</c>, ASP.NET Core antiforgery); without it they are refused (403 <c>csrf-token-invalid</c>).
/// </summary>
public static class ConsolePages
{
    public const string CsrfHeader = "X-CSRF-TOKEN";
    public const string AssetBase = "/console";

    /// <summary>Each page: its path and its file in wwwroot/.</summary>
    private static readonly (string Path, string File)[] Pages =
        [("/", "index.html"), ("/resources", "resources.html"), ("/history", "history.html"), ("/replay", "replay.html")];

    private static readonly Assembly Assembly = typeof(ConsolePages).Assembly;
    /// <summary>The files there are (wwwroot/, embedded as <c>console/PATH</c>): only these are ever looked up or kept.</summary>
    private static readonly HashSet<string> Names = Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("console/", StringComparison.Ordinal)).Select(n => n["console/".Length..]).ToHashSet(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, byte[]> Files = new(StringComparer.Ordinal);
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Nothing but this host: scripts and styles from files (no inline code), no frames, no other origin.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

    public static void AddConsole(this IServiceCollection services) =>
        services.AddAntiforgery(o =>
        {
            o.HeaderName = CsrfHeader;
            o.Cookie.Name = "ha-csrf";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure over HTTPS (the API's default); antiforgery refuses to work at all on plain HTTP with Always, and the
            // loopback's plain HTTP (Api:Listen=http-loopback) is allowed. It is no credential on its own: the session is.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

    public static void MapConsole(this WebApplication app)
    {
        foreach (var (path, file) in Pages)
            app.MapGet(path, (HttpContext http, IAntiforgery antiforgery) => Page(http, antiforgery, file)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/login", (HttpContext http) => Serve(http, "login.html")).AllowAnonymous().ExcludeFromDescription();
        // The stylesheet and the scripts (no data in them): anyone, so the login page has them too. The pages are served
        // only at their own paths.
        app.MapGet(AssetBase + "/{*path}", (HttpContext http, string? path) =>
            path is null || path.EndsWith(".html", StringComparison.Ordinal) ? Results.NotFound() : Serve(http, path)).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>
    /// A page for the logged-in user, with its name, role and antiforgery token in meta elements (the scripts read them);
    /// without a session, the login page, which comes back here after.
    /// </summary>
    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string file)
    {
        if (http.User.Identity is not { IsAuthenticated: true, Name: { } name })
            return Results.Redirect("/login?next=" + Uri.EscapeDataString(http.Request.Path + http.Request.QueryString));
        var template = Read(file);
        if (template is null) return Results.NotFound();
        var tokens = antiforgery.GetAndStoreTokens(http);
        var html = System.Text.Encoding.UTF8.GetString(template)
            .Replace("{{user}}", HtmlEncoder.Default.Encode(name), StringComparison.Ordinal)
            .Replace("{{role}}", HtmlEncoder.Default.Encode(http.User.FindFirstValue(ClaimTypes.Role) ?? ""), StringComparison.Ordinal)
            .Replace("{{csrf}}", HtmlEncoder.Default.Encode(tokens.RequestToken ?? ""), StringComparison.Ordinal);
        Secure(http);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static IResult Serve(HttpContext http, string path)
    {
        if (Read(path) is not { } bytes || !ContentTypes.TryGetContentType(path, out var type)) return Results.NotFound();
        Secure(http);
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(bytes, type.StartsWith("text/", StringComparison.Ordinal) || type.EndsWith("javascript", StringComparison.Ordinal) ? type + "; charset=utf-8" : type);
    }

    private static void Secure(HttpContext http)
    {
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "same-origin";
    }

    /// <summary>A file of wwwroot/, or null when there is no such file.</summary>
    private static byte[]? Read(string path) =>
        Names.Contains(path)
            ? Files.GetOrAdd(path, p =>
            {
                using var stream = Assembly.GetManifestResourceStream("console/" + p)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            })
            : null;

    /// <summary>
    /// Antiforgery for the console's session: a request that changes something (not GET, HEAD, OPTIONS) and is judged by
    /// the session cookie (no Authorization header) must carry the page's token, else 403 <c>csrf-token-invalid</c>. Bearer
    /// tokens are not ambient credentials (a page of another site cannot send one): those requests are not checked, and
    /// neither are the login and logout, which act with no user's authority.
    /// </summary>
    public static async Task RequireAntiforgeryAsync(HttpContext http, RequestDelegate next)
    {
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method)
            && http.Request.Headers.Authorization.Count == 0 && http.User.Identity?.IsAuthenticated == true
            && http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null
            && !await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
        {
            await Problems.Result(StatusCodes.Status403Forbidden, "csrf-token-invalid",
                $"a console request that changes something carries the page's antiforgery token in {CsrfHeader}").ExecuteAsync(http);
            return;
        }
        await next(http);
    }
}
