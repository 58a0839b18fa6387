using Cib.Domain.Primitives;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Audit.Api;

/// <summary>
/// Every error is a problem+json (RFC 9457) with a stable <c>code</c> beside the status: a refused command's domain code
/// (<c>user-exists</c>, <c>last-admin</c>...), else one per status (<c>unauthenticated</c>, <c>forbidden</c>...). Bad input is a
/// 4xx, never a 500.
/// </summary>
public static class Problems
{
    public const string CodeKey = "code";

    private static readonly Dictionary<int, string> CodeOfStatus = new()
    {
        [400] = "bad-request", [401] = "unauthenticated", [403] = "forbidden", [404] = "not-found", [405] = "method-not-allowed",
        [409] = "conflict", [412] = "stale", [413] = "too-large", [415] = "unsupported-media-type", [428] = "precondition-required",
        [429] = "too-many-requests", [500] = "internal-error", [503] = "store-unavailable",
    };

    public static void AddCode(ProblemDetailsContext context)
    {
        var p = context.ProblemDetails;
        if (!p.Extensions.ContainsKey(CodeKey))
            p.Extensions[CodeKey] = CodeOfStatus.GetValueOrDefault(p.Status ?? 500, "error");
    }

    public static ProblemHttpResult Result(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { [CodeKey] = code };
        return TypedResults.Problem(detail: detail, statusCode: status, extensions: all);
    }

    /// <summary>A refused command: 404 when what it names does not exist, 409 when the state forbids it, 400 for bad input.</summary>
    public static int StatusOf(string domainCode) => domainCode switch
    {
        "user-unknown" or "unknown-resource" or "unknown-node" or "unknown-constraint" or "unknown-object" => 404,
        "user-exists" or "last-admin" or "duplicate-id" or "fencing-disabled" or "node-not-member" or "restart-timeout" or "resource-unmanaged" => 409,
        _ => 400,
    };

    /// <summary>
    /// The store did not answer: a connection refused, reset or timed out (Npgsql's transient errors, also inside
    /// Marten's wrappers), as during a store failover. The request may well succeed a moment later.
    /// </summary>
    public static bool StoreUnavailable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is Npgsql.NpgsqlException { IsTransient: true } or TimeoutException) return true;
        return false;
    }

    /// <summary>
    /// Exceptions that are the client's doing become their 4xx; a store that does not answer is a 503 with Retry-After
    /// (the soak saw 500s during store failovers); anything else stays a 500 (and is logged by the host).
    /// </summary>
    public sealed class ExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
        {
            var (status, code, detail, errors) = exception switch
            {
                DomainException d => (StatusOf(d.Errors[0].Code), d.Errors[0].Code, d.Message,
                    d.Errors.Select(e => (object)new { e.Code, e.Message, e.Subject }).ToArray()),
                Commands.ForbiddenException f => (403, "forbidden", f.Message, (object[]?)null),
                Configuration.ConfigurationTextException t => (400, t.Code, t.Message,
                    t.Errors.Select(e => (object)new { e.Line, e.Column, e.Token, e.Code, e.Message }).ToArray()),
                Cib.Projections.Store.StaleConfigurationException s => (412, "stale", s.Message, null),
                UnauthorizedAccessException u => (401, "unauthenticated", u.Message, null),
                BadHttpRequestException b => (b.StatusCode, CodeOfStatus.GetValueOrDefault(b.StatusCode, "bad-request"), b.Message, null),
                _ when StoreUnavailable(exception) => (503, "store-unavailable", "the store did not answer (a failover in progress?): try again in a moment", null),
                _ => (0, "", "", null),
            };
            if (status == 0) return false;
            http.Response.StatusCode = status;
            if (status == 503) http.Response.Headers.RetryAfter = "1";
            var problem = new ProblemDetails { Status = status, Detail = detail, Extensions = { [CodeKey] = code } };
            if (errors is not null) problem.Extensions["errors"] = errors;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
        }
    }
}
