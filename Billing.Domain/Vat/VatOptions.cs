namespace Billing.Domain.Vat;

/// <summary>The VAT settings, in the billing section (<c>Billing:TaxPoint</c>).</summary>
public sealed class VatOptions
{
    public const string Section = "Billing";

    /// <summary>Which day decides a line's VAT rate; see <see cref="TaxPointRule"/>. Confirm the choice with an accountant.</summary>
    public TaxPointRule TaxPoint { get; set; } = TaxPointRule.ServicePeriodEnd;
}
