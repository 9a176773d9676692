using Billing.Domain.Audit;
using Billing.Domain.Parties;

namespace Billing.Functions.Parties;

/// <summary>The issuer (the agency as seller): read by any key (it is printed on every invoice), set by admins.</summary>
public sealed class IssuerFunctions(IssuerService issuers, CallerResolver callers)
{
    [Function(nameof(GetIssuer))]
    public Task<IResult> GetIssuer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "issuer")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async _ =>
            await issuers.FindAsync(ct) is { } issuer
                ? TypedResults.Ok(IssuerView.From(issuer))
                : Problems.NotFound("No issuer is set yet: an admin sets it with PUT /api/issuer or 'billing issuer set'."), ct);

    public sealed record SetIssuerRequest : IValidatedBody
    {
        public string? LegalName { get; init; }
        public string? FiscalCode { get; init; }
        /// <summary>Required: whether VAT is charged must never be a default.</summary>
        public bool? VatPayer { get; init; }
        public bool VatOnReceipt { get; init; }
        public string? VatExemptionReason { get; init; }
        public string? TradeRegisterNumber { get; init; }
        public AddressBody? Address { get; init; }
        public string? Iban { get; init; }
        public string? Bank { get; init; }
        public string? Email { get; init; }
        public string? Phone { get; init; }

        public FieldErrors Validate() => new FieldErrors().Check(VatPayer is not null, "vatPayer", "Required: true or false.");

        public IssuerDetails ToDetails() => new(LegalName, FiscalCode, VatPayer!.Value, VatOnReceipt, TradeRegisterNumber, Address?.ToAddress(), Iban,
            Bank, Email, Phone, VatExemptionReason);
    }

    /// <summary>Replaces the issuer whole; invoices issued from now on carry the new details, issued ones keep theirs.</summary>
    [Function(nameof(SetIssuer))]
    public Task<IResult> SetIssuer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "issuer")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync<SetIssuerRequest>(request, Access.Admin, async (caller, body) =>
            TypedResults.Ok(IssuerView.From(await issuers.SetAsync(body.ToDetails(), Actor.For(caller), ct))), ct);
}

/// <summary>An address in a request; <c>country</c> defaults to RO.</summary>
public sealed record AddressBody
{
    public string? Street { get; init; }
    public string? City { get; init; }
    public string? County { get; init; }
    public string? PostalCode { get; init; }
    public string? Country { get; init; }

    public PostalAddress ToAddress() => new(Street, City, County, PostalCode, Country ?? PostalAddress.Romania);
}

public sealed record AddressView(string? Street, string? City, string? County, string? PostalCode, string Country)
{
    public static AddressView? From(PostalAddress? a) => a is null ? null : new(a.Street, a.City, a.County, a.PostalCode, a.Country);
}

public sealed record IssuerView(string LegalName, string FiscalCode, string? VatId, bool VatPayer, bool VatOnReceipt, string? VatExemptionReason,
    string TradeRegisterNumber, AddressView Address, string Iban, string Bank, string? Email, string? Phone, string UpdatedAt)
{
    public static IssuerView From(Issuer i) => new(i.LegalName, i.FiscalCode, i.VatId, i.VatPayer, i.VatOnReceipt, i.VatExemptionReason,
        i.TradeRegisterNumber, new AddressView(i.Street, i.City, i.County, i.PostalCode, i.Country), i.Iban, i.Bank, i.Email, i.Phone,
        Formats.Instant(i.UpdatedAt));
}
