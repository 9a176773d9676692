using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Domain.Invoicing;
using Billing.Functions.Payments;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Payments;

/// <summary>
/// A recorded Stripe event (Fixtures/stripe) made about one of the test's invoices: its metadata, PaymentIntent, amounts
/// and ids set the way Stripe would have sent them for that invoice.
/// </summary>
public sealed class StripeEventBody
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly JsonNode _event;

    private StripeEventBody(string fixture) => _event = JsonNode.Parse(Fixtures.Stripe(fixture))!;

    public static StripeEventBody From(string fixture) => new(fixture);

    private JsonNode Object => _event["data"]!["object"]!;

    /// <summary>The metadata our Checkout Sessions and their PaymentIntents carry.</summary>
    public StripeEventBody For(Invoice invoice)
    {
        if (Object["metadata"] is JsonObject metadata && metadata.ContainsKey("invoiceId"))
        {
            (metadata["invoiceId"], metadata["invoiceNumber"], metadata["clientId"]) = (invoice.Id.ToString(), invoice.Number, invoice.ClientId);
        }
        if (Object["client_reference_id"] is not null)
        {
            Object["client_reference_id"] = invoice.Id.ToString();
        }
        return this;
    }

    /// <summary>The PaymentIntent the event is about, wherever the object names it.</summary>
    public StripeEventBody Intent(string paymentIntentId)
    {
        if ((string?)Object["object"] == "payment_intent")
        {
            Object["id"] = paymentIntentId;
        }
        else
        {
            Object["payment_intent"] = paymentIntentId;
        }
        foreach (var refund in Object["refunds"]?["data"]?.AsArray() ?? [])
        {
            refund!["payment_intent"] = paymentIntentId;
        }
        return this;
    }

    /// <summary>The object's amount in minor units, in every field that carries it.</summary>
    public StripeEventBody Amount(long minor)
    {
        foreach (var field in new[] { "amount", "amount_received", "amount_total", "amount_subtotal" })
        {
            if (Object[field] is not null && !(field == "amount_received" && (long)Object[field]! == 0))
            {
                Object[field] = minor;
            }
        }
        return this;
    }

    public StripeEventBody Id(string eventId)
    {
        _event["id"] = eventId;
        return this;
    }

    /// <summary>The object's own id (a refund's <c>re_…</c>, a session's <c>cs_…</c>).</summary>
    public StripeEventBody ObjectId(string id)
    {
        Object["id"] = id;
        return this;
    }

    public StripeEventBody Set(Action<JsonNode> change)
    {
        change(_event);
        return this;
    }

    public string Body => _event.ToJsonString(Indented);

    public override string ToString() => Body;
}

/// <summary>Posts bodies to the Stripe webhook as the host runs it, signed the way Stripe signs (HMAC-SHA256 over <c>t.body</c>).</summary>
public static class StripeDelivery
{
    public static string Sign(string body, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Signed with the current secret at the world's now.</summary>
    public static Task<HttpTesting.Response> DeliverAsync(PaymentWorld world, StripeEventBody body) =>
        SendAsync(world, body.Body, Sign(body.Body, StripeTesting.WebhookSecret, world.Scenario.Clock.GetUtcNow()));

    public static Task<HttpTesting.Response> SendAsync(PaymentWorld world, string body, string? signature,
        Dictionary<string, string>? headers = null) => SendAsync(world.Scenario.Services, body, signature, headers);

    public static async Task<HttpTesting.Response> SendAsync(IServiceProvider services, string body, string? signature,
        Dictionary<string, string>? headers = null)
    {
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<StripeFunctions>(scope.ServiceProvider);
        var all = new Dictionary<string, string>(headers ?? []);
        if (signature is not null)
        {
            all["Stripe-Signature"] = signature;
        }
        var context = HttpTesting.NewContext(scope.ServiceProvider, "POST", "/api/stripe/webhook", body: body, headers: all);
        var response = await FunctionPipeline.SendAsync(context, nameof(StripeFunctions.StripeWebhook),
            () => function.StripeWebhook(context.Request, context.RequestAborted));
        var violations = OpenApiContract.Violations(nameof(StripeFunctions.StripeWebhook), response.Status, response.ContentType, response.Body);
        Assert.True(violations.Count == 0, string.Join("\n", violations) + "\n" + response.Body);
        return response;
    }
}
