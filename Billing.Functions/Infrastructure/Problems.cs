using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Functions.Infrastructure;

/// <summary>The problem responses (RFC 9457) the functions share, so each kind reads the same everywhere.</summary>
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

    /// <summary>Missing, or not the caller's to see: both read the same, so ids of other clients do not leak.</summary>
    public static IResult NotFound(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    /// <summary>A well-formed request the domain refused (a service's <see cref="ArgumentException"/>), named by its parameter.</summary>
    public static IResult Refused(ArgumentException e) => Validation(
        new Dictionary<string, string[]> { [e.ParamName ?? "body"] = [e.Message.Split(" (Parameter")[0]] },
        StatusCodes.Status422UnprocessableEntity);

    public static IResult TooLarge(long limitBytes) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Body too large",
        detail: $"The body exceeds the limit of {limitBytes} bytes.");

    public static IResult Unauthorized(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    /// <summary>The database could not be reached: the caller should retry later.</summary>
    public static IResult DatabaseUnavailable(int retryAfterSeconds = 30) => new RetryAfterResult(
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Database unavailable",
            detail: "The billing database could not be reached. Nothing was stored; retry later."),
        retryAfterSeconds);

    private sealed class RetryAfterResult(IResult inner, int retryAfterSeconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
