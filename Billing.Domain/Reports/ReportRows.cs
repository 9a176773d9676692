using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Domain.Usage;

namespace Billing.Domain.Reports;

/// <summary>Invoiced totals of one currency and period.</summary>
public sealed record RevenueRow(string Currency, string Period, int Invoices, decimal MinutesAmount, decimal FixedFees,
    decimal LateUsageAmount, decimal Total, decimal Net, decimal Vat);

public sealed record TopClientRow(string ClientId, string? ClientName, string Period, decimal Total, string Currency, decimal Minutes,
    int TotalCalls, InvoiceStatus Status);

public sealed record PaymentRow(Guid Id, Guid InvoiceId, string? InvoiceNumber, string ClientId, decimal Amount, string Currency,
    PaymentMethod Method, PaymentStatus Status, string? TransactionId, DateTimeOffset? PaidAt, DateTimeOffset CreatedAt, string? Reference = null,
    Guid? RefundOf = null, string? Reason = null);

/// <summary>One call as the audit listing shows it.</summary>
public sealed record UsageRow(Guid Id, string CallId, string? ClientId, string? VapiAssistantId, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt,
    DateTimeOffset OccurredAt, decimal DurationSeconds, decimal BillableSeconds, decimal DurationMinutes, decimal Cost, string? Currency,
    decimal? VapiCost, string? EndedReason, CallOutcome Outcome, bool Billable, bool Incomplete, IReadOnlyList<string> ToolsUsed, Guid? InvoiceId);

public sealed record ToolUsageRow(string ClientId, string Period, string Tool, int Calls);

/// <summary>The reference rate used to convert Vapi's USD costs, with where it came from.</summary>
public sealed record RateUsed(DateOnly Date, string Currency, string QuoteCurrency, decimal Rate, string Source);

/// <summary>
/// One client's period: what we billed for it against what Vapi charged us for its calls. Billed is the invoice's
/// own charges (minutes + fixed fee), without late usage of earlier periods. Vapi's cost is converted at the latest
/// reference rate on or before the period's last day (at most a week older); without one, the conversion and the
/// margin are null and the missing rate is listed, never guessed.
/// </summary>
public sealed record MarginRow(string ClientId, string? ClientName, string Period, string Currency, decimal Billed, decimal Minutes, int Calls,
    int SuccessfulCalls, decimal? SuccessRate, decimal VapiCostUsd, int CallsWithoutVapiCost, RateUsed? Rate, decimal? VapiCost, decimal? Margin);

public sealed record MissingRate(string Currency, string QuoteCurrency, DateOnly OnOrBefore);

public sealed record MarginReport(string Period, List<MarginRow> Clients, List<MissingRate> MissingRates);

/// <summary>A credit note as the invoice shows it: what it credits and whether its e-Factura document is stored.</summary>
public sealed record CreditNoteRow(Guid Id, string Number, Guid InvoiceId, string ClientId, string Reason, DateOnly IssueDate, DateTimeOffset IssuedAt,
    decimal NetAmount, decimal VatAmount, decimal GrossAmount, string Currency, bool Exportable);
