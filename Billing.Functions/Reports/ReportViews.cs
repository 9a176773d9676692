using static Billing.Functions.Infrastructure.Formats;

namespace Billing.Functions.Reports;

/// <summary><c>total</c> is the gross amount to pay (net + VAT); invoices without VAT count their total as net.</summary>
public sealed record RevenueView(string Currency, string Period, int Invoices, string MinutesAmount, string FixedFees, string LateUsageAmount,
    string Total, string Net, string Vat)
{
    public static RevenueView From(RevenueRow r) => new(r.Currency, r.Period, r.Invoices, Money(r.MinutesAmount), Money(r.FixedFees),
        Money(r.LateUsageAmount), Money(r.Total), Money(r.Net), Money(r.Vat));
}

/// <summary>Revenue per currency and period, and each currency's totals over the range (currencies are never added together).</summary>
public sealed record RevenueReportView(IReadOnlyList<RevenueView> Periods, IReadOnlyList<RevenueTotalView> Totals);

public sealed record RevenueTotalView(string Currency, int Invoices, string Total, string Net, string Vat);

public sealed record TopClientView(string ClientId, string? ClientName, string Period, string Total, string Currency, string Minutes, int TotalCalls,
    string Status)
{
    public static TopClientView From(TopClientRow r) => new(r.ClientId, r.ClientName, r.Period, Money(r.Total), r.Currency, Quantity(r.Minutes),
        r.TotalCalls, Upper(r.Status));
}

public sealed record RateView(string Date, string Currency, string QuoteCurrency, string Rate, [property: AgencyOnly] string Source)
{
    public static RateView? From(RateUsed? r) => r is null ? null
        : new(Formats.Date(r.Date), r.Currency, r.QuoteCurrency, r.Rate.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture), r.Source);
}

public sealed record MarginView(string ClientId, string? ClientName, string Period, string Currency, string Billed, string Minutes, int Calls,
    int SuccessfulCalls, string? SuccessRate, [property: AgencyOnly] string VapiCostUsd, [property: AgencyOnly] int CallsWithoutVapiCost,
    RateView? Rate, [property: AgencyOnly] string? VapiCost, [property: AgencyOnly] string? Margin)
{
    public static MarginView From(MarginRow r) => new(r.ClientId, r.ClientName, r.Period, r.Currency, Money(r.Billed), Quantity(r.Minutes),
        r.Calls, r.SuccessfulCalls, r.SuccessRate?.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture),
        r.VapiCostUsd.ToString("0.00####", System.Globalization.CultureInfo.InvariantCulture), r.CallsWithoutVapiCost, RateView.From(r.Rate),
        Money(r.VapiCost), Money(r.Margin));
}

public sealed record MissingRateView(string Currency, string QuoteCurrency, string OnOrBefore);

/// <summary>Agency keys only (<see cref="Access.Agency"/>): a client key is never shown what its calls cost us.</summary>
public sealed record MarginReportView(string Period, IReadOnlyList<MarginView> Clients, [property: AgencyOnly] IReadOnlyList<MissingRateView> MissingRates);

public sealed record ToolUsageView(string ClientId, string Period, string Tool, int Calls)
{
    public static ToolUsageView From(ToolUsageRow r) => new(r.ClientId, r.Period, r.Tool, r.Calls);
}

/// <summary>A reference rate; where it came from (<c>BNR</c>, or <c>manual:&lt;key name&gt;</c>) is for agency keys only.</summary>
public sealed record ExchangeRateView(string Date, string Currency, string QuoteCurrency, string Rate, [property: AgencyOnly] string Source)
{
    public static ExchangeRateView From(ExchangeRate r) => new(Formats.Date(r.Date), r.Currency, r.QuoteCurrency,
        r.Rate.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture), r.Source);
}
