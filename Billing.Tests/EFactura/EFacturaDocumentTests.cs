using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.EFactura;
using Billing.Domain.Invoicing;
using Billing.Domain.Parties;
using Billing.Domain.Payments;
using Billing.Domain.Vat;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Billing.Tests.Parties;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.EFactura;

/// <summary>
/// Invoices issued by the real cycle on a real database get their e-Factura document once, at issue: validated
/// against the OASIS UBL 2.1 schema and the EN 16931/CIUS-RO rules, stored as bytes, and returned unchanged ever after.
/// Golden documents for dr_serban's November 2025 (net and gross basis) are kept beside this file.
/// </summary>
public sealed class EFacturaDocumentTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    /// <summary>The number a golden document shows in place of the invoice's own (tests of a class share one number series).</summary>
    public const string GoldenNumber = "VAI-2025-000042";

    private async Task<InvoiceEFactura?> StoredAsync(Guid invoiceId)
    {
        await using var db = database.CreateContext();
        return await db.InvoiceEFacturas.AsNoTracking().SingleOrDefaultAsync(d => d.InvoiceId == invoiceId);
    }

    private static async Task<EFacturaDownload> DownloadAsync(BillingScenario scenario, Guid invoiceId)
    {
        await using var scope = scenario.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<EFacturaDocuments>().GetAsync(invoiceId, default))!;
    }

    [Fact]
    public async Task Dr_serbans_november_at_net_prices_is_stored_at_issue_as_the_golden_document_valid_against_the_ubl_schema_and_every_rule()
    {
        await using var scenario = new BillingScenario(database);

        var invoice = await EFacturaWorld.NovemberAsync(scenario, "ef_net");

        // Stored by the cycle itself, before anyone asked for it.
        var stored = await StoredAsync(invoice.Id);
        Assert.NotNull(stored?.Content);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored.Content)), stored.Sha256);
        Assert.Equal(scenario.Clock.GetUtcNow(), stored.GeneratedAt);
        var validation = EFacturaValidator.Validate(stored.Content);
        Assert.True(validation.IsValid, string.Join("\n", validation.Findings));
        Assert.Empty(UblSchemas.Validate(stored.Content));
        EFacturaWorld.AssertGolden("dr_serban-2025-11-net.xml", stored.Content, (invoice.Number!, GoldenNumber));

        var xml = XDocument.Parse(Encoding.UTF8.GetString(stored.Content));
        XNamespace cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
        Assert.Equal(invoice.Number, xml.Root!.Element(cbc + "ID")!.Value);
        Assert.Equal("1049.31", xml.Descendants(cbc + "PayableAmount").Single().Value);
    }

    [Fact]
    public async Task Dr_serbans_november_at_gross_prices_keeps_867_20_to_pay_in_its_golden_document()
    {
        await using var scenario = new BillingScenario(database);

        var invoice = await EFacturaWorld.NovemberAsync(scenario, "ef_gross", PriceBasis.Gross);

        var stored = await StoredAsync(invoice.Id);
        Assert.NotNull(stored?.Content);
        var validation = EFacturaValidator.Validate(stored.Content);
        Assert.True(validation.IsValid, string.Join("\n", validation.Findings));
        EFacturaWorld.AssertGolden("dr_serban-2025-11-gross.xml", stored.Content, (invoice.Number!, GoldenNumber));
        var text = Encoding.UTF8.GetString(stored.Content);
        Assert.Contains("<cbc:TaxInclusiveAmount currencyID=\"RON\">867.20</cbc:TaxInclusiveAmount>", text);
        Assert.Contains("<cbc:TaxAmount currencyID=\"RON\">150.51</cbc:TaxAmount>", text);
    }

    private async Task<string> ValidDocumentAsync(Invoice invoice)
    {
        var stored = await StoredAsync(invoice.Id);
        Assert.True(stored?.Content is not null, $"{invoice.Number}: {string.Join(", ", invoice.MissingFields)}");
        var validation = EFacturaValidator.Validate(stored.Content);
        Assert.True(validation.IsValid, string.Join("\n", validation.Findings));
        return Encoding.UTF8.GetString(stored.Content);
    }

    [Fact]
    public async Task A_late_july_line_keeps_its_own_period_and_19_percent_on_the_august_document()
    {
        await using var scenario = new BillingScenario(database);
        await EFacturaWorld.SetIssuerAsync(scenario);
        await scenario.ClientAsync("ef_late", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 7, 1), configure: EFacturaWorld.DrSerbanBuyer);
        await scenario.RunAsync("2025-08-01T12:00:00Z", "ef_late");
        await scenario.CallAsync("ef_late", "2025-07-30T09:00:00Z", 600); // arrives after July was invoiced
        await scenario.CallAsync("ef_late", "2025-08-10T09:00:00Z", 300);

        await scenario.RunAsync("2025-09-01T12:00:00Z", "ef_late");

        var august = (await scenario.InvoicesAsync("ef_late")).Single(i => i.Period == "2025-08");
        var xml = XDocument.Parse(await ValidDocumentAsync(august));
        XNamespace cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
        XNamespace cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
        var late = xml.Descendants(cac + "InvoiceLine").Last();
        Assert.Equal("2025-07-01", late.Element(cac + "InvoicePeriod")!.Element(cbc + "StartDate")!.Value);
        Assert.Equal("2025-07-31", late.Element(cac + "InvoicePeriod")!.Element(cbc + "EndDate")!.Value);
        Assert.Equal("19", late.Descendants(cbc + "Percent").Single().Value);
        Assert.Equal("10.00", late.Element(cbc + "LineExtensionAmount")!.Value);
        Assert.Equal(["21", "19"], xml.Root!.Element(cac + "TaxTotal")!.Elements(cac + "TaxSubtotal").Select(t => t.Descendants(cbc + "Percent").Single().Value));
    }

    [Fact]
    public async Task Not_subject_to_vat_reverse_charge_abroad_and_euro_invoices_get_valid_documents()
    {
        await using var scenario = new BillingScenario(database);

        var (euroInvoice, abroadInvoice, notSubjectInvoice) = await EFacturaWorld.OtherKindsAsync(scenario, "ef");

        var abroad = await ValidDocumentAsync(abroadInvoice);
        Assert.Contains("<cbc:ID>AE</cbc:ID>", abroad);
        Assert.Contains("<cbc:TaxExemptionReasonCode>VATEX-EU-AE</cbc:TaxExemptionReasonCode>", abroad);
        Assert.Contains("<cbc:CompanyID>DE123456789</cbc:CompanyID>", abroad);
        var euro = await ValidDocumentAsync(euroInvoice);
        Assert.Contains("<cbc:TaxCurrencyCode>RON</cbc:TaxCurrencyCode>", euro);
        Assert.Contains("<cbc:TaxAmount currencyID=\"RON\">106.87</cbc:TaxAmount>", euro);
        Assert.Contains("<cbc:TaxAmount currencyID=\"EUR\">21.00</cbc:TaxAmount>", euro);
        var notSubject = await ValidDocumentAsync(notSubjectInvoice);
        Assert.Contains("<cbc:TaxExemptionReason>Neplătitor de TVA (art. 310 Cod fiscal)</cbc:TaxExemptionReason>", notSubject);
        Assert.DoesNotContain("<cbc:Percent>", notSubject, StringComparison.Ordinal);
        Assert.DoesNotContain("RO18547290", notSubject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_download_returns_the_stored_bytes_even_after_what_produced_them_changes_and_the_database_refuses_to_alter_them()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "ef_frozen");
        var first = (await StoredAsync(invoice.Id))!;
        // What a regeneration would read now differs (as after a code change): the stored document must not follow it.
        await using (var db = database.CreateContext())
        {
            await db.InvoiceParties.Where(p => p.InvoiceId == invoice.Id && p.Role == PartyRole.Buyer)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.LegalName, "Alt Nume SRL"));
        }

        var downloads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => DownloadAsync(scenario, invoice.Id)));

        Assert.All(downloads, d => Assert.Equal(first.Content, d.Document!.Content));
        Assert.DoesNotContain("Alt Nume SRL", Encoding.UTF8.GetString(downloads[0].Document!.Content!), StringComparison.Ordinal);
        await using var connection = await database.OpenConnectionAsync();
        foreach (var statement in new[]
                 {
                     $"UPDATE \"InvoiceEFactura\" SET \"content\" = 'x'::bytea WHERE \"facturaId\" = '{invoice.Id}'",
                     $"DELETE FROM \"InvoiceEFactura\" WHERE \"facturaId\" = '{invoice.Id}'",
                 })
        {
            await using var command = new NpgsqlCommand(statement, connection);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("never changes", refused.MessageText, StringComparison.Ordinal);
        }
        Assert.Equal(first.Content, (await StoredAsync(invoice.Id))!.Content);
    }

    [Fact]
    public async Task Client_credit_consumed_at_issue_is_the_documents_prepaid_amount_never_a_negative_line()
    {
        await using var scenario = new BillingScenario(database);

        // October (the fee alone: 800 + 21% = 968.00) is overpaid by 49.31, which becomes credit for November.
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "ef_credit", configure: c => c.AllowCredit = true, billingStart: new DateOnly(2025, 10, 1),
            beforeRun: async () =>
            {
                await scenario.RunAsync("2025-11-01T12:00:00Z", "ef_credit");
                var october = (await scenario.InvoicesAsync("ef_credit")).Single(i => i.Period == "2025-10");
                await using var scope = scenario.Services.CreateAsyncScope();
                var paid = await scope.ServiceProvider.GetRequiredService<PaymentService>().RecordAsync(new PaymentService.NewPayment(
                    october.Id, october.Total + 49.31m, "RON", PaymentMethod.Transfer, PaymentStatus.Completed, "ef-credit-1", null), Actor.System, default);
                Assert.Equal(PaymentService.Outcome.Recorded, paid.Outcome);
            });

        Assert.Equal(49.31m, invoice.CreditApplied);
        var text = Encoding.UTF8.GetString((await StoredAsync(invoice.Id))!.Content!);
        Assert.Contains("<cbc:PrepaidAmount currencyID=\"RON\">49.31</cbc:PrepaidAmount>", text);
        Assert.Contains("<cbc:PayableAmount currencyID=\"RON\">1000.00</cbc:PayableAmount>", text);
        Assert.Contains("<cbc:TaxableAmount currencyID=\"RON\">867.20</cbc:TaxableAmount>", text);
        Assert.True(EFacturaValidator.Validate(Encoding.UTF8.GetBytes(text)).IsValid);
    }

    [Fact]
    public async Task A_document_that_fails_a_rule_is_recorded_with_every_failed_rule_and_the_cycle_issues_the_rest()
    {
        await using var scenario = new BillingScenario(database);
        await EFacturaWorld.SetIssuerAsync(scenario);
        // A city our address check accepts (100 characters) but CIUS-RO limits to 50 (BR-RO-L0502).
        var longCity = new string('C', 60);
        await scenario.ClientAsync("ef_rule_bad", billingStart: new DateOnly(2025, 11, 1), configure: c =>
        {
            EFacturaWorld.DrSerbanBuyer(c);
            c.Buyer = c.Buyer with { Address = c.Buyer.Address! with { City = longCity } };
        });
        await scenario.ClientAsync("ef_rule_good", billingStart: new DateOnly(2025, 11, 1), configure: EFacturaWorld.DrSerbanBuyer);

        var run = await scenario.RunAsync("2025-12-01T12:00:00Z", null);

        var bad = (await scenario.InvoicesAsync("ef_rule_bad")).Single();
        var good = (await scenario.InvoicesAsync("ef_rule_good")).Single();
        Assert.True(run.InvoicesCreated >= 2);
        Assert.NotNull((await StoredAsync(good.Id))!.Content);
        Assert.Contains("eFactura:BR-RO-L0502", bad.MissingFields);
        Assert.False(bad.Exportable);
        var recorded = (await StoredAsync(bad.Id))!;
        Assert.Null(recorded.Content);
        Assert.Contains(recorded.Findings, f => f.Rule == "BR-RO-L0502" && f.Message.Contains("60 characters", StringComparison.Ordinal));

        var api = new Api(scenario.Services);
        string admin;
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            admin = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("ops", ApiKeyScope.Admin, null, null, default)).PlainKey;
        }
        var refused = await api.GetAsync($"/api/invoices/{bad.Id}/efactura.xml", admin);
        Assert.Equal(409, refused.Status);
        Assert.Contains("60 characters", refused.Json.GetProperty("errors").GetProperty("BR-RO-L0502")[0].GetString(), StringComparison.Ordinal);
        var listed = await api.GetAsync("/api/invoices?exportable=false&clientId=ef_rule_bad", admin);
        Assert.Equal(bad.Id.ToString(), listed.Json.GetProperty("items")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_invoice_without_buyer_details_answers_409_naming_each_missing_field_and_the_export_lists_it_and_exits_1()
    {
        await using var scenario = new BillingScenario(database);
        var exportable = await EFacturaWorld.NovemberAsync(scenario, "ef_export_ok");
        await scenario.ClientAsync("ef_export_missing", billingStart: new DateOnly(2025, 11, 1));
        await scenario.RunAsync("2025-12-01T12:00:00Z", "ef_export_missing");
        var missing = (await scenario.InvoicesAsync("ef_export_missing")).Single();
        string admin;
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            admin = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("ops", ApiKeyScope.Admin, null, null, default)).PlainKey;
        }

        var refused = await new Api(scenario.Services).GetAsync($"/api/invoices/{missing.Id}/efactura.xml", admin);

        Assert.Equal(409, refused.Status);
        Assert.Null(await StoredAsync(missing.Id));
        var errors = refused.Json.GetProperty("errors");
        Assert.All(missing.MissingFields, f => Assert.True(errors.TryGetProperty(f, out _), f));
        Assert.Contains("buyer.fiscalCode", missing.MissingFields);

        var folder = Directory.CreateTempSubdirectory("efactura-export-");
        try
        {
            var cli = await new CliRunner(database).RunAsync("invoices", "export", "--period", "2025-11", "--format", "efactura", "--out", folder.FullName);

            Assert.Equal(1, cli.ExitCode);
            var written = Path.Combine(folder.FullName, $"{exportable.Number}.xml");
            Assert.Equal((await StoredAsync(exportable.Id))!.Content, await File.ReadAllBytesAsync(written));
            Assert.False(File.Exists(Path.Combine(folder.FullName, $"{missing.Number}.xml")));
            Assert.Contains("Not exportable:", cli.Out, StringComparison.Ordinal);
            Assert.Contains(missing.Number!, cli.Out, StringComparison.Ordinal);
            Assert.Contains("buyer.fiscalCode", cli.Out, StringComparison.Ordinal);
            var bad = await new CliRunner(database).RunAsync("invoices", "export", "--period", "2025-11", "--format", "pdf", "--out", folder.FullName);
            Assert.NotEqual(0, bad.ExitCode);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_client_key_downloads_its_own_document_and_another_clients_reads_as_missing()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "ef_api");
        await scenario.ClientAsync("ef_api_other");
        string own, other;
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
            own = (await keys.CreateAsync("portal", ApiKeyScope.Client, "ef_api", null, default)).PlainKey;
            other = (await keys.CreateAsync("portal 2", ApiKeyScope.Client, "ef_api_other", null, default)).PlainKey;
        }
        var api = new Api(scenario.Services);

        var mine = await api.GetAsync($"/api/invoices/{invoice.Id}/efactura.xml", own);
        var theirs = await api.GetAsync($"/api/invoices/{invoice.Id}/efactura.xml", other);
        var missing = await api.GetAsync($"/api/invoices/{Guid.NewGuid()}/efactura.xml", own);
        var malformed = await api.GetAsync("/api/invoices/not-a-guid/efactura.xml", own);
        var anonymous = await api.GetAsync($"/api/invoices/{invoice.Id}/efactura.xml", null);

        var stored = (await StoredAsync(invoice.Id))!;
        Assert.Equal(200, mine.Status);
        Assert.Equal("application/xml", mine.ContentType);
        Assert.Equal(stored.Content, mine.Bytes);
        Assert.Contains($"{invoice.Number}.xml", mine.Headers.ContentDisposition.ToString());
        Assert.Equal($"\"{stored.Sha256}\"", mine.Headers.ETag.ToString());
        Assert.Equal((404, 404, 404, 401), (theirs.Status, missing.Status, malformed.Status, anonymous.Status));
    }
}
