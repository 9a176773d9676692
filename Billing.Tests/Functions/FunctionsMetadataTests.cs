using System.Reflection;
using System.Text.Json;
using Billing.Tests.Infrastructure;

namespace Billing.Tests.Functions;

/// <summary>The build's functions.metadata is what the Functions host loads: every function, with its trigger and route.</summary>
public sealed class FunctionsMetadataTests
{
    /// <summary>name → (trigger, methods, route); the list of the app's functions.</summary>
    public static readonly Dictionary<string, (string Trigger, string Methods, string? Route)> ExpectedFunctions = new()
    {
        ["Health"] = ("httpTrigger", "get", "health"),
        ["VapiWebhook"] = ("httpTrigger", "post", "vapi/webhook"),
        ["BillingCycle"] = ("timerTrigger", "", null),
        ["OutboxDelivery"] = ("timerTrigger", "", null),
        ["ListOutbox"] = ("httpTrigger", "get", "outbox"),
        ["ListClientFailures"] = ("httpTrigger", "get", "client-failures"),
        ["GetCurrentUsage"] = ("httpTrigger", "get", "clients/{clientId}/usage/current"),
        ["OpenApi"] = ("httpTrigger", "get", "openapi.json"),
        ["ListInvoices"] = ("httpTrigger", "get", "invoices"),
        ["GetInvoice"] = ("httpTrigger", "get", "invoices/{id}"),
        ["GetInvoiceHistory"] = ("httpTrigger", "get", "invoices/{id}/history"),
        ["GetClientHistory"] = ("httpTrigger", "get", "clients/{clientId}/history"),
        ["GetInvoicePdf"] = ("httpTrigger", "get", "invoices/{id}/pdf"),
        ["GetInvoiceEFactura"] = ("httpTrigger", "get", "invoices/{id}/efactura.xml"),
        ["CreateCreditNote"] = ("httpTrigger", "post", "invoices/{id}/credit-notes"),
        ["ReissueInvoice"] = ("httpTrigger", "post", "invoices/{id}/reissue"),
        ["GetCreditNoteEFactura"] = ("httpTrigger", "get", "credit-notes/{id}/efactura.xml"),
        ["GetIssuer"] = ("httpTrigger", "get", "issuer"),
        ["SetIssuer"] = ("httpTrigger", "put", "issuer"),
        ["ListVatRates"] = ("httpTrigger", "get", "vat-rates"),
        ["SetVatRate"] = ("httpTrigger", "put", "vat-rates"),
        ["ListClientInvoices"] = ("httpTrigger", "get", "clients/{clientId}/invoices"),
        ["RevenueReport"] = ("httpTrigger", "get", "reports/revenue"),
        ["TopClientsReport"] = ("httpTrigger", "get", "reports/top-clients"),
        ["RecentInvoicesReport"] = ("httpTrigger", "get", "reports/recent-invoices"),
        ["MarginReport"] = ("httpTrigger", "get", "reports/margin"),
        ["ToolsReport"] = ("httpTrigger", "get", "reports/tools"),
        ["ListUsage"] = ("httpTrigger", "get", "usage"),
        ["ListUnattributedUsage"] = ("httpTrigger", "get", "usage/unattributed"),
        ["ListPayments"] = ("httpTrigger", "get", "payments"),
        ["RecordPayment"] = ("httpTrigger", "post", "payments"),
        ["RecordInvoicePayment"] = ("httpTrigger", "post", "invoices/{id}/payments"),
        ["ChangePayment"] = ("httpTrigger", "patch", "payments/{id}"),
        ["RefundPayment"] = ("httpTrigger", "post", "payments/{id}/refunds"),
        ["ImportStatement"] = ("httpTrigger", "post", "payments/statements"),
        ["PayInvoice"] = ("httpTrigger", "get", "pay/{token}"),
        ["GetCheckoutLink"] = ("httpTrigger", "post", "invoices/{id}/checkout"),
        ["StripeWebhook"] = ("httpTrigger", "post", "stripe/webhook"),
        ["ListStripeEvents"] = ("httpTrigger", "get", "stripe/events"),
        ["ClearInvoiceReview"] = ("httpTrigger", "delete", "invoices/{id}/review"),
        ["ListClients"] = ("httpTrigger", "get", "clients"),
        ["GetClient"] = ("httpTrigger", "get", "clients/{clientId}"),
        ["ListClientTerms"] = ("httpTrigger", "get", "clients/{clientId}/terms"),
        ["CreateClient"] = ("httpTrigger", "post", "clients"),
        ["UpdateClient"] = ("httpTrigger", "patch", "clients/{clientId}"),
        ["ListKeys"] = ("httpTrigger", "get", "keys"),
        ["CreateKey"] = ("httpTrigger", "post", "keys"),
        ["RevokeKey"] = ("httpTrigger", "delete", "keys/{id}"),
        ["ListExchangeRates"] = ("httpTrigger", "get", "exchange-rates"),
        ["SetExchangeRate"] = ("httpTrigger", "put", "exchange-rates"),
        ["LoadNbrExchangeRates"] = ("httpTrigger", "post", "exchange-rates/nbr"),
        ["ListQuarantinedReports"] = ("httpTrigger", "get", "quarantine"),
        ["ReplayQuarantinedReports"] = ("httpTrigger", "post", "quarantine/replay"),
        ["ReplayQuarantinedReport"] = ("httpTrigger", "post", "quarantine/{id}/replay"),
    };

    [Fact]
    public void Build_output_lists_every_function_with_its_trigger_and_route()
    {
        var configuration = typeof(FunctionsMetadataTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var path = RepositoryRoot.Combine("Billing.Functions", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} was not written by the build");

        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        var actual = metadata.RootElement.EnumerateArray().ToDictionary(
            f => f.GetProperty("name").GetString()!,
            f =>
            {
                var trigger = f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("direction").GetString() == "In"
                    && b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
                var methods = trigger.TryGetProperty("methods", out var m) ? string.Join(",", m.EnumerateArray().Select(x => x.GetString())) : "";
                var route = trigger.TryGetProperty("route", out var r) ? r.GetString() : null;
                if (trigger.TryGetProperty("schedule", out var schedule))
                {
                    Assert.Equal($"%{f.GetProperty("name").GetString()}Schedule%".Replace("OutboxDelivery", "Outbox"), schedule.GetString());
                }
                return (trigger.GetProperty("type").GetString()!, methods, route);
            });

        Assert.Equal(ExpectedFunctions.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "host.json")), "host.json must be in the build output for func start");
    }

    [Fact]
    public void The_openapi_document_describes_every_http_function_under_its_route_and_method()
    {
        using var document = JsonDocument.Parse(Billing.Functions.Infrastructure.OpenApiFunction.Json);
        Assert.Equal("3.1.0", document.RootElement.GetProperty("openapi").GetString());
        var paths = document.RootElement.GetProperty("paths");
        var described = paths.EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Select(operation => (Name: operation.Value.GetProperty("operationId").GetString()!, Method: operation.Name, Route: path.Name)))
            .ToList();

        var expected = ExpectedFunctions.Where(f => f.Value.Trigger == "httpTrigger")
            .Select(f => (Name: f.Key, Method: f.Value.Methods, Route: "/api/" + f.Value.Route)).OrderBy(f => f.Name).ToList();
        Assert.Equal(expected, described.OrderBy(f => f.Name).ToList());
    }
}
