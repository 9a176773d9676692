using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// The one place where an unexpected exception in an HTTP function becomes an RFC 9457 problem (500) without
/// internals. Expected outcomes are returned by the functions, never thrown.
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
            logger.LogError(exception, "Function {FunctionName} failed", context.FunctionDefinition.Name);
            await Problems.Unexpected().ExecuteAsync(http);
        }
    }
}
