using System.Text.Json.Nodes;
using Billing.Functions.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Infrastructure;

/// <summary>Delivers bodies to the Vapi webhook function as the worker does: its own scope, through the app's middleware.</summary>
public static class Webhook
{
    public const string Secret = "x-vapi-secret-for-webhook-tests-01";

    public static Dictionary<string, string?> Settings => new() { ["Vapi:Webhook:Secrets:0"] = Secret };

    public static Task<HttpTesting.Response> PostAsync(IServiceProvider services, string body, Dictionary<string, string>? headers = null) =>
        PostAsync(services, System.Text.Encoding.UTF8.GetBytes(body), headers);

    /// <summary>Any bytes as the body, such as invalid UTF-8.</summary>
    public static async Task<HttpTesting.Response> PostAsync(IServiceProvider services, byte[] body, Dictionary<string, string>? headers = null)
    {
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<VapiWebhookFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, "POST", "/api/vapi/webhook",
            headers: headers ?? new() { ["X-Vapi-Secret"] = Secret });
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        context.Request.ContentType = "application/json";
        return await FunctionPipeline.SendAsync(context, "VapiWebhook", () => function.VapiWebhook(context.Request, context.RequestAborted));
    }

    /// <summary>The success fixture as another call, optionally changed, so a test owns its call.</summary>
    public static string Report(string callId, string assistantId = "asst_clinica_serban_01", Action<JsonObject>? change = null)
    {
        var json = JsonNode.Parse(Fixtures.Vapi("end-of-call-report-success.json"))!.AsObject();
        json["message"]!["call"]!["id"] = callId;
        json["message"]!["call"]!["assistantId"] = assistantId;
        change?.Invoke(json["message"]!.AsObject());
        return json.ToJsonString();
    }
}
