using Billing.Functions.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSubstitute;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// Runs a function the way the worker does with ASP.NET Core integration: inside the app's own middleware
/// (<see cref="UnhandledExceptionMiddleware"/>), whose FunctionContext carries the HttpContext, and the returned
/// <see cref="IResult"/> executed afterwards unless the middleware already answered. Then the logs so far are searched
/// for the credentials in play (<see cref="LogLeakSearch"/>).
/// </summary>
public static class FunctionPipeline
{
    public static async Task<HttpTesting.Response> SendAsync(HttpContext http, string functionName, Func<Task<IResult>> function)
    {
        var context = Substitute.For<FunctionContext>();
        context.Items.Returns(new Dictionary<object, object> { ["HttpRequestContext"] = http });
        var definition = Substitute.For<FunctionDefinition>();
        definition.Name.Returns(functionName);
        context.FunctionDefinition.Returns(definition);
        context.InstanceServices.Returns(http.RequestServices);

        var leakSearch = http.RequestServices.GetService<LogLeakSearch>();
        leakSearch?.WatchCredentialsOf(http.Request);
        var middleware = new UnhandledExceptionMiddleware(http.RequestServices.GetRequiredService<ILogger<UnhandledExceptionMiddleware>>());
        IResult? result = null;
        await middleware.Invoke(context, async _ => result = await function());
        if (result is not null)
        {
            await result.ExecuteAsync(http);
        }
        if (leakSearch?.Leaks() is { Count: > 0 } leaks)
        {
            Assert.Fail($"{functionName}: credentials reached the logs:\n{string.Join("\n", leaks)}");
        }
        http.Response.Body.Position = 0;
        using var bytes = new MemoryStream();
        await http.Response.Body.CopyToAsync(bytes);
        return new HttpTesting.Response(http.Response.StatusCode, http.Response.ContentType ?? "",
            System.Text.Encoding.UTF8.GetString(bytes.ToArray()), http.Response.Headers)
        { Bytes = bytes.ToArray() };
    }
}
