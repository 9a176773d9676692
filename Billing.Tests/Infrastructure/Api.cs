using Billing.Functions.Audit;
using Billing.Functions.Clients;
using Billing.Functions.Infrastructure;
using Billing.Functions.Invoicing;
using Billing.Functions.Keys;
using Billing.Functions.Outbox;
using Billing.Functions.Parties;
using Billing.Functions.Payments;
using Billing.Functions.Reports;
using Billing.Functions.Usage;
using Billing.Functions.Vat;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// Sends requests to the HTTP functions the way the host routes them: by method and route template, each request in
/// its own DI scope of the app's real registrations, through the app's middleware. Every response is checked against openapi.json, so every API
/// test is also a contract test.
/// </summary>
public sealed class Api(IServiceProvider services)
{
    private delegate Task<IResult> Invoke(IServiceProvider scope, HttpRequest request, IReadOnlyDictionary<string, string> route);

    private sealed record Route(string Method, string Template, string OperationId, Invoke Invoke);

    private static T Function<T>(IServiceProvider scope) where T : class => ActivatorUtilities.CreateInstance<T>(scope);

    /// <summary>Every HTTP function that takes an API key (the webhook and health have their own tests).</summary>
    private static readonly Route[] Routes =
    [
        new("GET", "/api/invoices", "ListInvoices", (s, r, _) => Function<InvoiceFunctions>(s).ListInvoices(r, default)),
        new("GET", "/api/invoices/{id}", "GetInvoice", (s, r, v) => Function<InvoiceFunctions>(s).GetInvoice(r, v["id"], default)),
        new("GET", "/api/invoices/{id}/history", "GetInvoiceHistory",
            (s, r, v) => Function<AuditFunctions>(s).GetInvoiceHistory(r, v["id"], default)),
        new("GET", "/api/clients/{clientId}/history", "GetClientHistory",
            (s, r, v) => Function<AuditFunctions>(s).GetClientHistory(r, v["clientId"], default)),
        new("GET", "/api/invoices/{id}/pdf", "GetInvoicePdf", (s, r, v) => Function<InvoicePdfFunction>(s).GetInvoicePdf(r, v["id"], default)),
        new("GET", "/api/invoices/{id}/efactura.xml", "GetInvoiceEFactura",
            (s, r, v) => Function<EFacturaFunctions>(s).GetInvoiceEFactura(r, v["id"], default)),
        new("POST", "/api/invoices/{id}/credit-notes", "CreateCreditNote",
            (s, r, v) => Function<CreditNoteFunctions>(s).CreateCreditNote(r, v["id"], default)),
        new("POST", "/api/invoices/{id}/reissue", "ReissueInvoice", (s, r, v) => Function<CreditNoteFunctions>(s).ReissueInvoice(r, v["id"], default)),
        new("GET", "/api/credit-notes/{id}/efactura.xml", "GetCreditNoteEFactura",
            (s, r, v) => Function<CreditNoteFunctions>(s).GetCreditNoteEFactura(r, v["id"], default)),
        new("POST", "/api/invoices/{id}/checkout", "GetCheckoutLink", (s, r, v) => Function<StripeFunctions>(s).GetCheckoutLink(r, v["id"], default)),
        new("DELETE", "/api/invoices/{id}/review", "ClearInvoiceReview", (s, r, v) => Function<StripeFunctions>(s).ClearInvoiceReview(r, v["id"], default)),
        new("GET", "/api/stripe/events", "ListStripeEvents", (s, r, _) => Function<StripeFunctions>(s).ListStripeEvents(r, default)),
        new("GET", "/api/clients/{clientId}/invoices", "ListClientInvoices",
            (s, r, v) => Function<InvoiceFunctions>(s).ListClientInvoices(r, v["clientId"], default)),
        new("GET", "/api/clients/{clientId}/usage/current", "GetCurrentUsage",
            (s, r, v) => Function<UsagePreviewFunction>(s).GetCurrentUsage(r, v["clientId"], default)),
        new("GET", "/api/reports/revenue", "RevenueReport", (s, r, _) => Function<ReportFunctions>(s).RevenueReport(r, default)),
        new("GET", "/api/reports/top-clients", "TopClientsReport", (s, r, _) => Function<ReportFunctions>(s).TopClientsReport(r, default)),
        new("GET", "/api/reports/recent-invoices", "RecentInvoicesReport", (s, r, _) => Function<ReportFunctions>(s).RecentInvoicesReport(r, default)),
        new("GET", "/api/reports/margin", "MarginReport", (s, r, _) => Function<ReportFunctions>(s).MarginReport(r, default)),
        new("GET", "/api/reports/tools", "ToolsReport", (s, r, _) => Function<ReportFunctions>(s).ToolsReport(r, default)),
        new("GET", "/api/usage", "ListUsage", (s, r, _) => Function<UsageFunctions>(s).ListUsage(r, default)),
        new("GET", "/api/usage/unattributed", "ListUnattributedUsage", (s, r, _) => Function<UsageFunctions>(s).ListUnattributedUsage(r, default)),
        new("GET", "/api/payments", "ListPayments", (s, r, _) => Function<PaymentFunctions>(s).ListPayments(r, default)),
        new("POST", "/api/payments", "RecordPayment", (s, r, _) => Function<PaymentFunctions>(s).RecordPayment(r, default)),
        new("POST", "/api/invoices/{id}/payments", "RecordInvoicePayment",
            (s, r, v) => Function<PaymentFunctions>(s).RecordInvoicePayment(r, v["id"], default)),
        new("PATCH", "/api/payments/{id}", "ChangePayment", (s, r, v) => Function<PaymentFunctions>(s).ChangePayment(r, v["id"], default)),
        new("POST", "/api/payments/{id}/refunds", "RefundPayment", (s, r, v) => Function<PaymentFunctions>(s).RefundPayment(r, v["id"], default)),
        new("POST", "/api/payments/statements", "ImportStatement", (s, r, _) => Function<StatementFunctions>(s).ImportStatement(r, default)),
        new("GET", "/api/clients", "ListClients", (s, r, _) => Function<ClientFunctions>(s).ListClients(r, default)),
        new("GET", "/api/clients/{clientId}", "GetClient", (s, r, v) => Function<ClientFunctions>(s).GetClient(r, v["clientId"], default)),
        new("GET", "/api/clients/{clientId}/terms", "ListClientTerms",
            (s, r, v) => Function<ClientFunctions>(s).ListClientTerms(r, v["clientId"], default)),
        new("POST", "/api/clients", "CreateClient", (s, r, _) => Function<ClientFunctions>(s).CreateClient(r, default)),
        new("PATCH", "/api/clients/{clientId}", "UpdateClient", (s, r, v) => Function<ClientFunctions>(s).UpdateClient(r, v["clientId"], default)),
        new("GET", "/api/issuer", "GetIssuer", (s, r, _) => Function<IssuerFunctions>(s).GetIssuer(r, default)),
        new("PUT", "/api/issuer", "SetIssuer", (s, r, _) => Function<IssuerFunctions>(s).SetIssuer(r, default)),
        new("GET", "/api/vat-rates", "ListVatRates", (s, r, _) => Function<VatRateFunctions>(s).ListVatRates(r, default)),
        new("PUT", "/api/vat-rates", "SetVatRate", (s, r, _) => Function<VatRateFunctions>(s).SetVatRate(r, default)),
        new("GET", "/api/keys", "ListKeys", (s, r, _) => Function<KeyFunctions>(s).ListKeys(r, default)),
        new("POST", "/api/keys", "CreateKey", (s, r, _) => Function<KeyFunctions>(s).CreateKey(r, default)),
        new("DELETE", "/api/keys/{id}", "RevokeKey", (s, r, v) => Function<KeyFunctions>(s).RevokeKey(r, v["id"], default)),
        new("GET", "/api/exchange-rates", "ListExchangeRates", (s, r, _) => Function<ExchangeRateFunctions>(s).ListExchangeRates(r, default)),
        new("PUT", "/api/exchange-rates", "SetExchangeRate", (s, r, _) => Function<ExchangeRateFunctions>(s).SetExchangeRate(r, default)),
        new("POST", "/api/exchange-rates/nbr", "LoadNbrExchangeRates",
            (s, r, _) => Function<ExchangeRateFunctions>(s).LoadNbrExchangeRates(r, default)),
        new("GET", "/api/outbox", "ListOutbox", (s, r, _) => Function<OutboxFunctions>(s).ListOutbox(r, default)),
        new("GET", "/api/client-failures", "ListClientFailures", (s, r, _) => Function<ClientFailureFunctions>(s).ListClientFailures(r, default)),
        new("GET", "/api/quarantine", "ListQuarantinedReports", (s, r, _) => Function<QuarantineFunctions>(s).ListQuarantinedReports(r, default)),
        new("POST", "/api/quarantine/replay", "ReplayQuarantinedReports",
            (s, r, _) => Function<QuarantineFunctions>(s).ReplayQuarantinedReports(r, default)),
        new("POST", "/api/quarantine/{id}/replay", "ReplayQuarantinedReport",
            (s, r, v) => Function<QuarantineFunctions>(s).ReplayQuarantinedReport(r, v["id"], default)),
    ];

    public static IReadOnlyList<(string Method, string Template)> Endpoints => Routes.Select(r => (r.Method, r.Template)).ToList();

    public async Task<HttpTesting.Response> SendAsync(string method, string pathAndQuery, string? key, string? body = null,
        Dictionary<string, string>? headers = null)
    {
        var (path, query) = pathAndQuery.Split('?', 2) is [var p, var q] ? (p, q) : (pathAndQuery, null);
        var (route, values) = Match(method, path);
        await using var scope = services.CreateAsyncScope();
        var allHeaders = new Dictionary<string, string>(headers ?? []);
        if (key is not null)
        {
            allHeaders["Authorization"] = "Bearer " + key;
        }
        var context = HttpTesting.NewContext(scope.ServiceProvider, method, path, query, body, allHeaders);
        var response = await FunctionPipeline.SendAsync(context, route.OperationId, () => route.Invoke(scope.ServiceProvider, context.Request, values));
        var violations = OpenApiContract.Violations(route.OperationId, response.Status, response.ContentType, response.Body);
        Assert.True(violations.Count == 0, $"{method} {pathAndQuery} broke the contract:\n{string.Join("\n", violations)}\n{response.Body}");
        return response;
    }

    public Task<HttpTesting.Response> GetAsync(string pathAndQuery, string? key) => SendAsync("GET", pathAndQuery, key);

    private static (Route Route, Dictionary<string, string> Values) Match(string method, string path)
    {
        var segments = path.Trim('/').Split('/');
        foreach (var route in Routes.Where(r => r.Method == method))
        {
            var template = route.Template.Trim('/').Split('/');
            if (template.Length != segments.Length)
            {
                continue;
            }
            var values = new Dictionary<string, string>();
            var matches = template.Zip(segments).All(pair =>
            {
                if (pair.First.StartsWith('{'))
                {
                    values[pair.First.Trim('{', '}')] = Uri.UnescapeDataString(pair.Second);
                    return true;
                }
                return pair.First == pair.Second;
            });
            // Literal segments win over parameters (usage/unattributed is not usage/{x}).
            if (matches && !Routes.Any(other => other != route && other.Method == method && IsMoreLiteralMatch(other, segments, route)))
            {
                return (route, values);
            }
        }
        throw new InvalidOperationException($"No function for {method} {path}");
    }

    private static bool IsMoreLiteralMatch(Route other, string[] segments, Route than)
    {
        var template = other.Template.Trim('/').Split('/');
        return template.Length == segments.Length && template.Zip(segments).All(p => p.First.StartsWith('{') || p.First == p.Second)
            && template.Count(t => !t.StartsWith('{')) > than.Template.Trim('/').Split('/').Count(t => !t.StartsWith('{'));
    }
}
