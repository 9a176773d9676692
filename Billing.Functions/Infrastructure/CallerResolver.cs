using Billing.Domain.Access;

namespace Billing.Functions.Infrastructure;

/// <summary>What an endpoint requires of its caller.</summary>
public enum Access
{
    /// <summary>Any valid key; data is then narrowed with <see cref="Visibility"/>.</summary>
    Read,
    /// <summary>The agency's own keys (admin and reporting): figures a client is never shown, such as the margin.</summary>
    Agency,
    /// <summary>Only admin keys: payments, client management, keys.</summary>
    Admin,
}

/// <summary>
/// The one access check of the HTTP functions: turns the request's <c>Authorization: Bearer &lt;key&gt;</c> into a
/// <see cref="Caller"/>, or into the 401/403 problem to return. Function-level keys of Azure Functions may sit on top;
/// these keys are what scope data. Functions call <see cref="HandleAsync"/> (or its body and query forms), so the
/// check, the body reading and the refused-input answer are written once.
/// </summary>
public sealed class CallerResolver(ApiKeyService keys, DatabaseWorkGate gate, KeyRateLimiter rateLimiter)
{
    /// <summary>The caller, or the problem to answer with: exactly one of the two is set.</summary>
    public sealed record Resolution(Caller? Caller, IResult? Problem);

    public async Task<Resolution> ResolveAsync(HttpRequest request, Access access, CancellationToken ct)
    {
        var (caller, problem) = await AuthenticateAsync(request, ct);
        return caller is null ? new(null, problem) : Authorize(caller, access);
    }

    private async Task<Resolution> AuthenticateAsync(HttpRequest request, CancellationToken ct)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length == scheme.Length)
        {
            return new(null, Problems.BearerKeyRequired("Send an API key as 'Authorization: Bearer <key>'."));
        }
        var caller = await keys.AuthenticateAsync(header[scheme.Length..].Trim(), ct);
        return caller is null ? new(null, Problems.BearerKeyRequired("The API key is unknown, revoked or expired.")) : new(caller, null);
    }

    private static Resolution Authorize(Caller caller, Access access) =>
        access switch
        {
            Access.Admin when !caller.IsAdmin => new(null, Problems.Forbidden("This operation needs an admin key.")),
            Access.Agency when !caller.ReadsAllClients => new(null, Problems.Forbidden("This report is for the agency's admin and reporting keys.")),
            _ => new(caller, null),
        };

    /// <summary>Runs <paramref name="handle"/> for a caller with <paramref name="access"/>; anyone else gets the problem.
    /// Input a service refuses (<see cref="InvalidInputException"/>) becomes a 422 naming its fields; a change refused for
    /// the state it would change (<see cref="ConflictException"/>) a 409 naming its field. A client key's answer is its
    /// <see cref="ClientView"/>, whatever the handler returned. Every such request holds one of the instance's database
    /// slots (<see cref="DatabaseWorkGate"/>: 503 when none frees in time) and spends one token of its key's bucket
    /// (<see cref="KeyRateLimiter"/>: 429), refused or not.</summary>
    public async Task<IResult> HandleAsync(HttpRequest request, Access access, Func<Caller, Task<IResult>> handle, CancellationToken ct)
    {
        using var slot = await gate.EnterAsync(ct);
        if (slot is null)
        {
            return Problems.Busy(DatabaseWorkGate.RetryAfterSeconds);
        }
        var (caller, problem) = await AuthenticateAsync(request, ct);
        if (caller is null)
        {
            return problem!;
        }
        if (rateLimiter.Refuse(caller) is { } retryAfter)
        {
            return Problems.TooManyRequests(retryAfter);
        }
        (caller, problem) = Authorize(caller, access);
        if (caller is null)
        {
            return problem!;
        }
        try
        {
            return ClientView.For(caller, await handle(caller));
        }
        catch (InvalidInputException e)
        {
            return Problems.Refused(e);
        }
        catch (ConflictException e)
        {
            return Problems.Refused(e);
        }
    }

    /// <summary>As <see cref="HandleAsync"/>, with the JSON body read (only once the caller is known) and validated by
    /// <see cref="IValidatedBody.Validate"/> when it has rules of its own.</summary>
    public Task<IResult> HandleAsync<TBody>(HttpRequest request, Access access, Func<Caller, TBody, Task<IResult>> handle, CancellationToken ct)
        where TBody : class => HandleAsync(request, access, async caller =>
    {
        var (body, problem) = await JsonBody.ReadAsync<TBody>(request, ct);
        if (body is null)
        {
            return problem!;
        }
        return body is IValidatedBody validated && validated.Validate() is { IsEmpty: false } errors
            ? Problems.Validation(errors)
            : await handle(caller, body);
    }, ct);

    /// <summary>As <see cref="HandleAsync"/> for a listing or report: the query string is read with the
    /// <paramref name="parameters"/> it may hold; the handler parses them and answers through <see cref="QueryParameters.RespondAsync"/>.</summary>
    public Task<IResult> QueryAsync(HttpRequest request, Access access, string[] parameters,
        Func<Caller, QueryParameters, Task<IResult>> handle, CancellationToken ct) =>
        HandleAsync(request, access, caller => handle(caller, new QueryParameters(request, parameters)), ct);
}

/// <summary>A request body with rules beyond its JSON shape; the errors name its fields.</summary>
public interface IValidatedBody
{
    FieldErrors Validate();
}
