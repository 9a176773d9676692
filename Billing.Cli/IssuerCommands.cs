using System.CommandLine;
using Billing.Domain.Audit;
using Billing.Domain.Parties;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing issuer set|show</c>: the agency as the seller on every invoice.</summary>
internal static class IssuerCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var legalName = new Option<string?>("--legal-name") { Description = "Legal name, e.g. 'Agenția Voce SRL'." };
        var fiscalCode = new Option<string?>("--fiscal-code") { Description = "CUI, with RO when VAT registered (RO18547290)." };
        var vatPayer = new Option<bool?>("--vat-payer") { Description = "true when VAT registered (a fiscal code with RO implies it)." };
        var vatOnReceipt = new Option<bool?>("--vat-on-receipt") { Description = "true when applying 'TVA la încasare'." };
        var exemption = new Option<string?>("--vat-exemption-reason") { Description = "Text stated instead of VAT when not a VAT payer." };
        var tradeRegister = new Option<string?>("--trade-register") { Description = "Trade register number, e.g. J40/1234/2020." };
        var street = new Option<string?>("--street");
        var city = new Option<string?>("--city") { Description = "City; in Bucharest SECTOR1 to SECTOR6." };
        var county = new Option<string?>("--county") { Description = "ISO 3166-2:RO, e.g. RO-CJ; Bucharest RO-B." };
        var postalCode = new Option<string?>("--postal-code");
        var iban = new Option<string?>("--iban");
        var bank = new Option<string?>("--bank");
        var email = new Option<string?>("--email");
        var phone = new Option<string?>("--phone");
        var set = new Command("set", "Set the issuer (audited); options not given keep their current value. Invoices issued from now on carry it.")
        {
            legalName, fiscalCode, vatPayer, vatOnReceipt, exemption, tradeRegister, street, city, county, postalCode, iban, bank, email, phone,
        };
        set.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var issuers = services.GetRequiredService<IssuerService>();
            var stored = await issuers.FindAsync(ct);
            var current = stored?.ToDetails();
            var code = parse.GetValue(fiscalCode) ?? stored?.FiscalCode;
            var address = current?.Address ?? new PostalAddress(null, null, null, null);
            var details = new IssuerDetails(
                parse.GetValue(legalName) ?? current?.LegalName,
                code,
                parse.GetValue(vatPayer) ?? (parse.GetValue(fiscalCode) is { } given
                    ? given.Trim().StartsWith(PostalAddress.Romania, StringComparison.OrdinalIgnoreCase)
                    : current?.VatPayer ?? false),
                parse.GetValue(vatOnReceipt) ?? current?.VatOnReceipt ?? false,
                parse.GetValue(tradeRegister) ?? current?.TradeRegisterNumber,
                new PostalAddress(parse.GetValue(street) ?? address.Street, parse.GetValue(city) ?? address.City,
                    parse.GetValue(county) ?? address.County, parse.GetValue(postalCode) ?? address.PostalCode),
                parse.GetValue(iban) ?? current?.Iban,
                parse.GetValue(bank) ?? current?.Bank,
                parse.GetValue(email) ?? current?.Email,
                parse.GetValue(phone) ?? current?.Phone,
                parse.GetValue(exemption) ?? current?.VatExemptionReason);
            var issuer = await issuers.SetAsync(details, Actor.CurrentCliUser(), ct);
            environment.Out.WriteLine($"Issuer set: {issuer.LegalName} ({issuer.VatId ?? issuer.FiscalCode}). Invoices issued from now on carry it.");
            return ExitCodes.Success;
        }));

        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var show = new Command("show", "Show the issuer.") { json };
        show.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var issuer = await services.GetRequiredService<IssuerService>().FindAsync(ct)
                         ?? throw new CliException("No issuer is set yet: set it with 'billing issuer set --legal-name ... --fiscal-code ...'.");
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, issuer);
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["field", "value"], new (string, string?)[]
            {
                ("legal name", issuer.LegalName), ("fiscal code", issuer.FiscalCode), ("VAT id", issuer.VatId ?? "(not a VAT payer)"),
                ("VAT on receipt", issuer.VatOnReceipt ? "yes (TVA la încasare)" : "no"), ("VAT exemption", issuer.VatExemptionReason),
                ("trade register", issuer.TradeRegisterNumber), ("street", issuer.Street), ("city", issuer.City), ("county", issuer.County),
                ("postal code", issuer.PostalCode), ("country", issuer.Country), ("IBAN", issuer.Iban), ("bank", issuer.Bank),
                ("e-mail", issuer.Email), ("phone", issuer.Phone), ("updated", issuer.UpdatedAt.ToString("O")),
            }.Select(f => (IReadOnlyList<string>)[f.Item1, f.Item2 ?? ""]));
            return ExitCodes.Success;
        }));
        return new Command("issuer", "The agency as the issuer (seller) of the invoices.") { set, show };
    }
}
