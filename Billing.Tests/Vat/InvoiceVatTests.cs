using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.Pdf;
using Billing.Domain.Parties;
using Billing.Domain.Reports;
using Billing.Domain.Vat;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Billing.Tests.Parties;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.Vat;

/// <summary>
/// VAT on invoices issued by the real cycle on a real database: the golden dr_serban invoices, the 2025-08-01 boundary
/// under both tax-point rules, a late July line beside August lines, a non-VAT-payer issuer, a buyer abroad, the party
/// snapshots, the exportable list and the database's own checks.
/// </summary>
public sealed class InvoiceVatTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    /// <summary>A cycle run: the issuer computes the VAT of what it issues (InvoiceIssuer calls InvoiceTaxes in its transaction).</summary>
    private static Task RunAsync(BillingScenario scenario, string asOf, string clientId) => scenario.RunAsync(asOf, clientId);

    private static async Task SetIssuerAsync(BillingScenario scenario, IssuerDetails? details = null)
    {
        await using var scope = scenario.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IssuerService>().SetAsync(details ?? PartyRulesTests.ValidIssuer(), Actor.System, default);
    }

    private static void CompleteBuyer(Client c)
    {
        c.Buyer = new BuyerDetails("Cabinet Dr. Șerban SRL", "RO14399840", "J12/345/2019",
            new PostalAddress("Str. Memorandumului 1", "Cluj-Napoca", "RO-CJ", "400114"), "contabil@serban.ro");
    }

    /// <summary>dr_serban's November 2025: 120 minutes at 0.56 plus the 800 fee = 867.20 in the client's prices.</summary>
    private async Task<Invoice> NovemberAsync(BillingScenario scenario, string clientId, PriceBasis basis)
    {
        await scenario.ClientAsync(clientId, fee: 800m, rate: 0.56m, billingStart: new DateOnly(2025, 11, 1), configure: c =>
        {
            CompleteBuyer(c);
            c.PriceBasis = basis;
        });
        await scenario.CallAsync(clientId, "2025-11-10T09:00:00Z", 3600);
        await scenario.CallAsync(clientId, "2025-11-20T09:00:00Z", 3600);
        await RunAsync(scenario, "2025-12-01T12:00:00Z", clientId);
        await using var db = database.CreateContext();
        return await db.Invoices.AsNoTracking().Include(i => i.VatBreakdown).Include(i => i.Parties)
            .SingleAsync(i => i.ClientId == clientId && i.Period == "2025-11");
    }

    [Fact]
    public async Task Dr_serbans_november_at_net_prices_is_867_20_net_182_11_vat_1049_31_to_pay()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario);

        var invoice = await NovemberAsync(scenario, "vat_net", PriceBasis.Net);

        Assert.Equal((867.20m, 182.11m, 1049.31m, 1049.31m), (invoice.NetAmount, invoice.VatAmount, invoice.GrossAmount, invoice.Total));
        var breakdown = Assert.Single(invoice.VatBreakdown);
        Assert.Equal(("S", 21m, 867.20m, 182.11m, 1049.31m), (breakdown.Category, breakdown.RatePercent, breakdown.Net, breakdown.Vat, breakdown.Gross));
        Assert.Equal((800m, 67.20m), (invoice.FixedFeeNet, invoice.MinutesNet));
        Assert.Equal((new DateOnly(2025, 12, 1), new DateOnly(2025, 11, 30), "S", 21m),
            (invoice.IssueDate, invoice.TaxPoint, invoice.VatCategory, invoice.VatRate));
        Assert.Empty(invoice.MissingFields);
    }

    [Fact]
    public async Task At_gross_prices_the_amount_to_pay_stays_867_20_with_150_51_vat_and_716_69_net()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario);

        var invoice = await NovemberAsync(scenario, "vat_gross", PriceBasis.Gross);

        Assert.Equal((716.69m, 150.51m, 867.20m, 867.20m), (invoice.NetAmount, invoice.VatAmount, invoice.GrossAmount, invoice.Total));
        Assert.Equal(716.69m, invoice.FixedFeeNet + invoice.MinutesNet);
        Assert.Equal(PriceBasis.Gross, invoice.PriceBasis);
    }

    [Fact]
    public async Task Both_parties_are_copied_at_issue_and_a_later_edit_changes_neither()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario);
        var invoice = await NovemberAsync(scenario, "vat_snap", PriceBasis.Net);

        await SetIssuerAsync(scenario, PartyRulesTests.ValidIssuer() with { LegalName = "Renamed SRL" });
        await scenario.ChangeAsync("vat_snap", new ClientService.ClientChanges(Buyer: new BuyerDetails("Other SRL", null, null, null, null)));

        await using var db = database.CreateContext();
        var parties = await db.InvoiceParties.AsNoTracking().Where(p => p.InvoiceId == invoice.Id).ToDictionaryAsync(p => p.Role);
        Assert.Equal(("Agenția Voce SRL", "RO18547290", "RO49AAAA1B31007593840000"),
            (parties[PartyRole.Seller].LegalName, parties[PartyRole.Seller].VatId, parties[PartyRole.Seller].Iban));
        Assert.Equal(("Cabinet Dr. Șerban SRL", "RO14399840", "RO-CJ"),
            (parties[PartyRole.Buyer].LegalName, parties[PartyRole.Buyer].VatId, parties[PartyRole.Buyer].County));
    }

    [Fact]
    public async Task The_pdf_prints_both_parties_as_copied_at_issue_the_line_nets_and_the_vat_breakdown()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario);
        var invoice = await NovemberAsync(scenario, "vat_pdf", PriceBasis.Net);
        // Edited after issue and before the PDF's first rendering: the PDF still names the parties as the invoice copied them.
        await SetIssuerAsync(scenario, PartyRulesTests.ValidIssuer() with { LegalName = "Renamed SRL" });
        await scenario.ChangeAsync("vat_pdf", new ClientService.ClientChanges(Buyer: new BuyerDetails("Other SRL", null, null, null, null)));

        await using var scope = scenario.Services.CreateAsyncScope();
        var pdf = (await scope.ServiceProvider.GetRequiredService<InvoicePdfs>().GetAsync(invoice.Id, default))!;
        var text = PdfText.Read(pdf.Content);

        Assert.Contains("Agenția Voce SRL", text);
        Assert.Contains("Cod TVA: RO18547290", text);
        Assert.Contains("Nr. Reg. Com.: J40/1234/2020", text);
        Assert.Contains("Cabinet Dr. Șerban SRL", text);
        Assert.Contains("Cod TVA: RO14399840", text);
        Assert.DoesNotContain("Renamed SRL", text);
        Assert.DoesNotContain("Other SRL", text);
        Assert.Contains("1 Abonament lunar: asistent vocal AI 1 lună 800,00 800,00", text);
        Assert.Contains("Total fără TVA: 867,20 RON", text);
        Assert.Contains("TVA 21% din 867,20: 182,11 RON", text);
        Assert.Contains("Total factură: 1.049,31 RON", text);
        Assert.Contains("Total de plată: 1.049,31 RON", text);
        Assert.Contains("IBAN RO49AAAA1B31007593840000 (Banca Transilvania)", text);
    }

    [Theory]
    [InlineData(TaxPointRule.ServicePeriodEnd, 19)]
    [InlineData(TaxPointRule.IssueDate, 21)]
    public async Task A_july_2025_period_invoiced_in_august_takes_the_rate_of_its_tax_point(TaxPointRule rule, int percent)
    {
        await using var scenario = new BillingScenario(database, new Dictionary<string, string?> { ["Billing:TaxPoint"] = rule.ToString() });
        await SetIssuerAsync(scenario);
        var clientId = $"vat_july_{rule}".ToLowerInvariant();
        await scenario.ClientAsync(clientId, fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 7, 1), configure: CompleteBuyer);
        await scenario.CallAsync(clientId, "2025-07-15T09:00:00Z", 600);

        await RunAsync(scenario, "2025-08-01T12:00:00Z", clientId);

        var july = Assert.Single(await scenario.InvoicesAsync(clientId));
        Assert.Equal((percent, 110m * percent / 100m), ((int)july.VatRate!.Value, july.VatAmount));
    }

    [Fact]
    public async Task A_late_july_line_on_the_august_invoice_keeps_19_percent_beside_21_percent_lines()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario);
        await scenario.ClientAsync("vat_late", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 7, 1), configure: CompleteBuyer);
        await RunAsync(scenario, "2025-08-01T12:00:00Z", "vat_late");
        await scenario.CallAsync("vat_late", "2025-07-30T09:00:00Z", 600); // arrives after July was invoiced
        await scenario.CallAsync("vat_late", "2025-08-10T09:00:00Z", 300);

        await RunAsync(scenario, "2025-09-01T12:00:00Z", "vat_late");

        await using var db = database.CreateContext();
        var august = await db.Invoices.AsNoTracking().Include(i => i.VatBreakdown).Include(i => i.LateUsage)
            .SingleAsync(i => i.ClientId == "vat_late" && i.Period == "2025-08");
        var late = Assert.Single(august.LateUsage);
        Assert.Equal(("2025-07", 10m, 19m, new DateOnly(2025, 7, 31)), (late.OriginalPeriod, late.Amount, late.VatRate, late.TaxPoint));
        Assert.Equal([("S", 21m, 105m, 22.05m), ("S", 19m, 10m, 1.90m)],
            august.VatBreakdown.OrderByDescending(b => b.RatePercent).Select(b => (b.Category, b.RatePercent, b.Net, b.Vat)));
        Assert.Equal((115m, 23.95m, 138.95m), (august.NetAmount, august.VatAmount, august.Total));
    }

    [Fact]
    public async Task An_issuer_that_is_not_a_vat_payer_invoices_category_O_with_its_exemption_text_and_no_vat()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario, PartyRulesTests.ValidIssuer() with
        {
            FiscalCode = "18547290",
            VatPayer = false,
            VatExemptionReason = "Neplătitor de TVA (art. 310 Cod fiscal)",
        });

        var invoice = await NovemberAsync(scenario, "vat_o", PriceBasis.Net);

        Assert.Equal((867.20m, 0m, 867.20m, "O"), (invoice.NetAmount, invoice.VatAmount, invoice.Total, invoice.VatCategory));
        var breakdown = Assert.Single(invoice.VatBreakdown);
        Assert.Equal(("O", 0m, "VATEX-EU-O", "Neplătitor de TVA (art. 310 Cod fiscal)"),
            (breakdown.Category, breakdown.RatePercent, breakdown.ExemptionReasonCode, breakdown.ExemptionReason));
        Assert.Null(invoice.Parties.Single(p => p.Role == PartyRole.Seller).VatId);
    }

    [Fact]
    public async Task A_buyer_abroad_in_euro_is_reverse_charged_with_the_vat_stated_in_ron_at_the_bnr_rate_before_the_tax_point()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario);
        await scenario.ClientAsync("vat_ae", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 11, 1), configure: c =>
        {
            c.Currency = "EUR";
            c.Buyer = new BuyerDetails("Praxis GmbH", "DE123456789", null, new PostalAddress("Hauptstr. 1", "Berlin", null, "10115", "DE"), null);
        });
        await scenario.ClientAsync("vat_eur", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 11, 1), configure: c =>
        {
            CompleteBuyer(c);
            c.Currency = "EUR";
        });
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            var rates = scope.ServiceProvider.GetRequiredService<ExchangeRates>();
            await rates.SetAsync(new DateOnly(2025, 11, 28), "EUR", "RON", 5.0889m, ExchangeRates.NbrSource, default);
            await rates.SetAsync(new DateOnly(2025, 11, 30), "EUR", "RON", 9.9999m, "typo on the tax point day, not used", default);
        }

        await RunAsync(scenario, "2025-12-01T12:00:00Z", "vat_ae");
        await RunAsync(scenario, "2025-12-01T12:00:00Z", "vat_eur");

        var abroad = Assert.Single(await scenario.InvoicesAsync("vat_ae"));
        Assert.Equal(("AE", 0m, 100m), (abroad.VatCategory, abroad.VatAmount, abroad.Total));
        var euro = Assert.Single(await scenario.InvoicesAsync("vat_eur"));
        Assert.Equal((21m, 5.0889m, new DateOnly(2025, 11, 28), 106.87m), (euro.VatAmount, euro.VatExchangeRate, euro.VatExchangeRateDate, euro.VatAmountRon));
        Assert.Empty(euro.MissingFields);
    }

    [Fact]
    public async Task Incomplete_buyer_details_still_invoice_the_client_but_list_the_invoice_as_not_exportable()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario);
        await scenario.ClientAsync("vat_incomplete", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 11, 1),
            configure: c => c.Buyer = new BuyerDetails("Clinica SRL", null, null, new PostalAddress(null, "SECTOR2", "RO-B", null), null));

        await RunAsync(scenario, "2025-12-01T12:00:00Z", "vat_incomplete");

        var invoice = Assert.Single(await scenario.InvoicesAsync("vat_incomplete"));
        Assert.Equal(121m, invoice.Total);
        Assert.Equal(["buyer.fiscalCode", "buyer.address.street"], invoice.MissingFields);

        await using var scope = scenario.Services.CreateAsyncScope();
        var admin = (await scope.ServiceProvider.GetRequiredService<Billing.Domain.Access.ApiKeyService>()
            .CreateAsync("vat-admin", Billing.Domain.Access.ApiKeyScope.Admin, null, null, default)).PlainKey;
        var api = new Api(scenario.Services);
        var listed = (await api.GetAsync("/api/invoices?exportable=false&clientId=vat_incomplete", admin)).Json.GetProperty("items");
        var exportable = (await api.GetAsync("/api/invoices?exportable=true&clientId=vat_incomplete", admin)).Json.GetProperty("items");
        Assert.Equal(["buyer.fiscalCode", "buyer.address.street"],
            listed.EnumerateArray().Single().GetProperty("missingFields").EnumerateArray().Select(f => f.GetString()));
        Assert.Empty(exportable.EnumerateArray());
        var cli = await new Billing.Tests.Cli.CliRunner(database).RunAsync("invoices", "list", "--not-exportable", "--client", "vat_incomplete");
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("buyer.fiscalCode, buyer.address.street", cli.Out, StringComparison.Ordinal);
        var health = await scope.ServiceProvider.GetRequiredService<InvoiceTaxes>().HealthAsync(default);
        Assert.True(health.IssuerSet);
        Assert.True(health.NotExportable >= 1);
    }

    [Fact]
    public async Task Without_an_issuer_the_prices_are_the_amount_to_pay_with_no_vat_and_the_invoice_waits_for_one()
    {
        await using var scenario = new BillingScenario(database);
        await using (var db = database.CreateContext())
        {
            await db.Issuers.ExecuteDeleteAsync();
        }
        await scenario.ClientAsync("vat_noissuer", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 11, 1), configure: CompleteBuyer);

        await RunAsync(scenario, "2025-12-01T12:00:00Z", "vat_noissuer");

        var invoice = Assert.Single(await scenario.InvoicesAsync("vat_noissuer"));
        Assert.Equal((100m, (decimal?)null, new DateOnly(2025, 12, 1)), (invoice.Total, invoice.VatAmount, invoice.IssueDate));
        Assert.Equal(["issuer"], invoice.MissingFields);
    }

    [Fact]
    public async Task The_database_refuses_a_breakdown_that_does_not_sum_to_the_invoice()
    {
        await using var scenario = new BillingScenario(database);
        await SetIssuerAsync(scenario);
        var invoice = await NovemberAsync(scenario, "vat_guard", PriceBasis.Net);
        await using var connection = await database.OpenConnectionAsync();

        var breakdown = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var command = new NpgsqlCommand("""UPDATE "InvoiceVatBreakdown" SET "vatAmount" = 182.10, "grossAmount" = 1049.30 WHERE "facturaId" = @id""", connection);
            command.Parameters.AddWithValue("id", invoice.Id);
            await command.ExecuteNonQueryAsync();
        });
        var gross = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var command = new NpgsqlCommand("""UPDATE "Factura" SET "grossAmount" = 1049.30 WHERE "id" = @id""", connection);
            command.Parameters.AddWithValue("id", invoice.Id);
            await command.ExecuteNonQueryAsync();
        });

        Assert.Equal(("CK_Factura_vat_breakdown", PostgresErrorCodes.CheckViolation), (breakdown.ConstraintName, breakdown.SqlState));
        Assert.Equal(PostgresErrorCodes.CheckViolation, gross.SqlState);
    }
}
