using Billing.Domain.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Functions.Infrastructure;

/// <summary>What an endpoint requires of its caller.</summary>
public enum Access
{
    /// <summary>Any valid key; data is then narrowed with <see cref="Visibility"/>.</summary>
    Read,
    /// <summary>Only admin keys: payments, client management, keys.</summary>
    Admin,
}

/// <summary>
/// Turns the request's <c>Authorization: Bearer &lt;key&gt;</c> into a <see cref="Caller"/>, or into the 401/403
/// problem to return. Function-level keys of Azure Functions may sit on top; these keys are what scope data.
/// </summary>
public sealed class CallerResolver(ApiKeyService keys)
{
    public sealed record Resolution(Caller? Caller, IResult? Problem)
    {
        public bool Succeeded => Caller is not null;
    }

    public async Task<Resolution> ResolveAsync(HttpRequest request, Access access, CancellationToken ct)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length == scheme.Length)
        {
            return new(null, Unauthorized("Send an API key as 'Authorization: Bearer <key>'."));
        }
        var caller = await keys.AuthenticateAsync(header[scheme.Length..].Trim(), ct);
        if (caller is null)
        {
            return new(null, Unauthorized("The API key is unknown, revoked or expired."));
        }
        if (access == Access.Admin && !caller.IsAdmin)
        {
            return new(null, TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: "This operation needs an admin key."));
        }
        return new(caller, null);
    }

    private static IResult Unauthorized(string detail) => new WithChallenge(TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail));

    private sealed class WithChallenge(ProblemHttpResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
