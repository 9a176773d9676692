using Billing.Domain.Data;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// The one place where an exception escaping an HTTP function becomes an RFC 9457 problem without internals: 422 naming
/// the field for a value its column cannot hold (<see cref="InvalidInputException"/> from <see cref="ColumnLimits"/>), 503 with <c>Retry-After</c> when
/// the database was unavailable (<see cref="DatabaseFaults"/>, the classification the webhook and the CLI use too),
/// else 500. Expected outcomes are returned by the functions, never thrown.
/// </summary>
internal sealed class UnhandledExceptionMiddleware(ILogger<UnhandledExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            var http = context.GetHttpContext();
            if (http is null || http.Response.HasStarted)
            {
                throw;
            }
            await Problem(exception, context.FunctionDefinition.Name, http.RequestAborted).ExecuteAsync(http);
        }
    }

    private IResult Problem(Exception exception, string functionName, CancellationToken requestAborted)
    {
        if (exception is InvalidInputException refused)
        {
            // A field a function did not bound before saving (ColumnLimits): still the caller's input, named.
            return Problems.Refused(refused);
        }
        if (DatabaseFaults.IsUnavailable(exception, requestAborted))
        {
            logger.LogWarning(exception, "Function {FunctionName} answered 503: the database is unavailable", functionName);
            return Problems.DatabaseUnavailable(DatabaseFaults.RetryAfterSeconds(exception));
        }
        logger.LogError(exception, "Function {FunctionName} failed", functionName);
        return Problems.Unexpected();
    }
}
