using Billing.Domain.Invoicing;

namespace Billing.Functions.Invoicing;

/// <summary>The open period's running total: the invoice as it would be if the period closed now.</summary>
public sealed class UsagePreviewFunction(BillingCycle cycle, CallerResolver callers)
{
    [Function(nameof(GetCurrentUsage))]
    public Task<IResult> GetCurrentUsage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{clientId}/usage/current")] HttpRequest request,
        string clientId, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            // Another client's id answers exactly like an unknown one, so ids do not leak.
            var preview = caller.CanRead(clientId) ? await cycle.PreviewAsync(clientId, ct) : null;
            return preview is null ? Problems.NotFound($"No client '{clientId}'.") : TypedResults.Ok(InvoiceView.From(preview));
        }, ct);
}

/// <summary>An invoice as the HTTP API shows it: money as strings with exactly 2 decimals, with its currency.</summary>
public sealed record InvoiceView(string? Number, string ClientId, string Period, DateOnly? PeriodStart, DateOnly? PeriodEnd, string Minutes,
    int TotalCalls, int SuccessfulCalls, string MinutesAmount, string FixedFee, string LateUsageAmount, string Total, string Currency,
    DateOnly DueDate, IReadOnlyList<InvoiceView.LateLine> LateUsage)
{
    public sealed record LateLine(string OriginalPeriod, int Calls, string Minutes, string Amount);

    public static InvoiceView From(InvoiceDraft d) => new(d.Number, d.ClientId, d.Period, d.PeriodStart, d.PeriodEnd, Quantity(d.Minutes),
        d.TotalCalls, d.SuccessfulCalls, Amount(d.MinutesAmount), Amount(d.FixedFee), Amount(d.LateUsageAmount), Amount(d.Total), d.Currency,
        d.DueDate, d.LateUsage.Select(l => new LateLine(l.OriginalPeriod, l.Calls, Quantity(l.Minutes), Amount(l.Amount))).ToList());

    private static string Amount(decimal value) => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    private static string Quantity(decimal value) => value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}
