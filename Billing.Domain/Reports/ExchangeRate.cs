namespace Billing.Domain.Reports;

/// <summary>A daily reference rate (e.g. the National Bank of Romania's USD→RON), used to compare Vapi's USD costs with invoices.</summary>
public sealed class ExchangeRate
{
    public DateOnly Date { get; set; }
    public required string Currency { get; set; }
    public required string QuoteCurrency { get; set; }
    /// <summary>Units of <see cref="QuoteCurrency"/> for one unit of <see cref="Currency"/>.</summary>
    public decimal Rate { get; set; }
    public required string Source { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
