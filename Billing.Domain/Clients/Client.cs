using Billing.Domain.Parties;
using Billing.Domain.Usage;
using Billing.Domain.Vat;

namespace Billing.Domain.Clients;

/// <summary>A client business of the agency (a clinic, a shop) and how it is billed.</summary>
public sealed class Client
{
    public const string DefaultTimeZone = "Europe/Bucharest";
    public const string DefaultCurrency = "RON";
    public const int DefaultPaymentTermDays = 15;

    public Guid Id { get; set; }

    /// <summary>The agency's own key for the client (e.g. <c>dr_serban</c>); invoices and usage refer to it.</summary>
    public required string ClientId { get; set; }
    public required string Name { get; set; }
    public string? Email { get; set; }

    public decimal MonthlyFee { get; set; }
    public decimal PricePerMinute { get; set; }
    public string Currency { get; set; } = DefaultCurrency;

    /// <summary>Day of the month (1–28) on which each billing period starts, at local midnight.</summary>
    public int BillingDay { get; set; } = 1;
    /// <summary>IANA time zone in which the client's periods are computed.</summary>
    public string TimeZone { get; set; } = DefaultTimeZone;
    /// <summary>First local day that is billed; null means the day the client was created.</summary>
    public DateOnly? BillingStartDate { get; set; }

    public MinuteRounding MinuteRounding { get; set; } = MinuteRounding.PerMinute;
    /// <summary>Minutes per period included in the fixed fee (billed at 0).</summary>
    public decimal IncludedMinutes { get; set; }
    public int PaymentTermDays { get; set; } = DefaultPaymentTermDays;
    /// <summary>Charge a first, partial period's fixed fee pro rata instead of in full.</summary>
    public bool ProrateFirstPeriod { get; set; }
    /// <summary>Bill calls that Vapi itself ended with a fault (<c>*vapifault*</c>); off by default, as Vapi does not charge them.</summary>
    public bool BillVapiFaults { get; set; }
    /// <summary>Keep an overpayment's excess as client credit (consumed by the next invoices) instead of refusing it.</summary>
    public bool AllowCredit { get; set; }

    /// <summary>Whether the fee and the rate are before VAT (net, the default) or include it (gross: the amount to pay is exactly the prices).</summary>
    public PriceBasis PriceBasis { get; set; } = PriceBasis.Net;

    // The client as the buyer of its invoices (EN 16931 BG-7); see BuyerDetails. Copied onto each invoice at issue.
    public string? LegalName { get; set; }
    /// <summary>CUI (with <c>RO</c> for a VAT payer), <c>0000000000000</c> for a person, or a buyer abroad's VAT id.</summary>
    public string? FiscalCode { get; set; }
    public string? TradeRegisterNumber { get; set; }
    public string? Street { get; set; }
    public string? City { get; set; }
    public string? County { get; set; }
    public string? PostalCode { get; set; }
    public string Country { get; set; } = PostalAddress.Romania;
    public string? BillingEmail { get; set; }

    public BuyerDetails Buyer
    {
        get => new(LegalName, FiscalCode, TradeRegisterNumber, PostalAddress.FromColumns(Street, City, County, PostalCode, Country), BillingEmail);
        set
        {
            (LegalName, FiscalCode, TradeRegisterNumber, BillingEmail) = (value.LegalName, value.FiscalCode, value.TradeRegisterNumber, value.BillingEmail);
            (Street, City, County, PostalCode, Country) = value.Address is { } a
                ? (a.Street, a.City, a.County, a.PostalCode, a.Country)
                : (null, null, null, null, PostalAddress.Romania);
        }
    }

    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public List<ClientAssistant> Assistants { get; set; } = [];
}
