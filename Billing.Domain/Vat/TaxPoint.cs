using Billing.Domain.Common;

namespace Billing.Domain.Vat;

/// <summary>
/// Which day decides the VAT rate of a line (<c>Billing:TaxPoint</c>). Sources read the Fiscal Code's rule for
/// continuous services differently, so it is a setting; confirm the choice with an accountant.
/// </summary>
public enum TaxPointRule
{
    /// <summary>The last day of the line's service period (default): a July period bills at July's rate.</summary>
    ServicePeriodEnd,

    /// <summary>The invoice's issue date, in the issuer's zone.</summary>
    IssueDate,
}

public static class TaxPoint
{
    /// <summary>
    /// The tax point of a line billed for <paramref name="servicePeriod"/> on an invoice issued on
    /// <paramref name="issueDate"/>. Periods are half-open, so the last day of service is the day before
    /// <see cref="BillingPeriod.End"/>. A late-usage line passes its own period and so keeps its own rate.
    /// </summary>
    public static DateOnly Of(TaxPointRule rule, BillingPeriod servicePeriod, DateOnly issueDate) => rule switch
    {
        TaxPointRule.ServicePeriodEnd => servicePeriod.End.AddDays(-1),
        TaxPointRule.IssueDate => issueDate,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
    };
}
