using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Functions.Infrastructure;

/// <summary>Every problem response (RFC 9457) the functions give, built here, so each kind reads the same everywhere.</summary>
public static class Problems
{
    public static ProblemHttpResult Unexpected() => TypedResults.Problem(
        statusCode: StatusCodes.Status500InternalServerError,
        title: "Unexpected error",
        detail: "The request could not be completed. It has been logged; try again later.");

    /// <summary>A request whose fields are wrong, each named with what is wrong with it (400, or 422 for a well-formed but unusable body).</summary>
    public static IResult Validation(IReadOnlyDictionary<string, string[]> errors, int statusCode = StatusCodes.Status400BadRequest) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary())
        {
            Status = statusCode,
            Title = statusCode == StatusCodes.Status422UnprocessableEntity ? "Unprocessable request" : "Invalid request",
            Detail = "See errors: " + string.Join(", ", errors.Keys),
        });

    public static IResult Validation(FieldErrors errors, int statusCode = StatusCodes.Status400BadRequest) =>
        Validation(errors.ToDictionary(), statusCode);

    /// <summary>One field that is wrong.</summary>
    public static IResult Invalid(string field, string message, int statusCode = StatusCodes.Status400BadRequest) =>
        Validation(FieldErrors.Of(field, message), statusCode);

    /// <summary>A well-formed request the domain refused, each field named as the request named it.</summary>
    public static IResult Refused(InvalidInputException e) => Validation(e.Errors, StatusCodes.Status422UnprocessableEntity);

    /// <summary>Missing, or not the caller's to see: both read the same, so ids of other clients do not leak.</summary>
    public static IResult NotFound(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    /// <summary>The request is valid but collides with what exists (a duplicate id, a closed period).</summary>
    public static IResult Conflict(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    /// <summary>A change the domain refused for the state it would change (an invoiced period): 409, naming the field.</summary>
    public static IResult Refused(ConflictException e) => TypedResults.Problem(new HttpValidationProblemDetails(
        new Dictionary<string, string[]> { [e.Field] = [e.Message] })
    {
        Status = StatusCodes.Status409Conflict,
        Title = "Conflict",
        Detail = e.Message,
    });

    /// <summary>A document that cannot leave yet (e-Factura): 409, each missing field and each failed rule named.</summary>
    public static IResult NotExportable(string detail, IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary())
        {
            Status = StatusCodes.Status409Conflict,
            Title = "Not exportable",
            Detail = detail,
        });

    public static IResult TooLarge(long limitBytes) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Body too large",
        detail: $"The body exceeds the limit of {limitBytes} bytes.");

    public static IResult Unauthorized(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    /// <summary>A 401 naming the field (a signature header) whose credential proves nothing.</summary>
    public static IResult Unauthorized(string field, string detail) => TypedResults.Problem(new HttpValidationProblemDetails(
        new Dictionary<string, string[]> { [field] = [detail] })
    {
        Status = StatusCodes.Status401Unauthorized,
        Title = "Unauthorized",
        Detail = detail,
    });

    /// <summary>A 401 for the API's bearer keys, with the challenge that tells a client which scheme to use.</summary>
    public static IResult BearerKeyRequired(string detail) => new WithHeader(Unauthorized(detail), "WWW-Authenticate", "Bearer");

    public static IResult Forbidden(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    /// <summary>A service outside our system (a rate feed) could not be read: nothing was stored.</summary>
    public static IResult UpstreamUnavailable(string title, string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status502BadGateway, title: title, detail: detail);

    /// <summary>A service outside our system is down for now (Stripe): 503 with <c>Retry-After</c>; nothing was done.</summary>
    public static IResult UpstreamUnavailable(string title, string detail, int retryAfterSeconds) => new WithHeader(
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail),
        "Retry-After", retryAfterSeconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>The database could not be reached: the caller should retry later.</summary>
    public static IResult DatabaseUnavailable(int retryAfterSeconds = 30) => new WithHeader(
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Database unavailable",
            detail: "The billing database could not be reached. Nothing was stored; retry later."),
        "Retry-After", retryAfterSeconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>This instance is at its bound of concurrent database work (<see cref="DatabaseWorkGate"/>): nothing was done.</summary>
    public static IResult Busy(int retryAfterSeconds) => new WithHeader(
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Too busy",
            detail: "This instance is at its limit of concurrent requests. Nothing was done; retry after the Retry-After header's seconds."),
        "Retry-After", retryAfterSeconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>The API key has spent its request rate (<see cref="KeyRateLimiter"/>); the header says when a request is allowed again.</summary>
    public static IResult TooManyRequests(TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return new WithHeader(
            TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many requests",
                detail: $"This API key has used up its request rate. Retry after {seconds} s."),
            "Retry-After", seconds);
    }

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
