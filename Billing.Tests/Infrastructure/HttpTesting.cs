using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Billing.Tests.Infrastructure;

/// <summary>Calls function methods the way the worker does: a real HttpContext in, the result executed into it.</summary>
public static class HttpTesting
{
    public static DefaultHttpContext NewContext(IServiceProvider services, string method = "GET", string path = "/",
        string? query = null, string? body = null, Dictionary<string, string>? headers = null)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        context.Request.Path = path;
        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query.StartsWith('?') ? query : "?" + query);
        }
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Request.Headers[name] = value;
        }
        context.Response.Body = new MemoryStream();
        return context;
    }

    public sealed record Response(int Status, string ContentType, string Body, IHeaderDictionary Headers)
    {
        /// <summary>The body as sent, for binary responses (a PDF).</summary>
        public byte[] Bytes { get; init; } = [];

        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    public static async Task<Response> ExecuteAsync(IResult result, HttpContext context)
    {
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        using var bytes = new MemoryStream();
        await context.Response.Body.CopyToAsync(bytes);
        var body = Encoding.UTF8.GetString(bytes.ToArray());
        return new Response(context.Response.StatusCode, context.Response.ContentType ?? "", body, context.Response.Headers) { Bytes = bytes.ToArray() };
    }
}
