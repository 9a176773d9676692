using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.EFactura;
using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.CreditNotes;
using Billing.Domain.Payments;
using Billing.Domain.Vat;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.EFactura;

/// <summary>
/// Credit notes (storno) on a real database through the API: whole, partial, per line, a share; of an unpaid and of a
/// paid invoice; at the original invoice's VAT rates; their own gap-free number series under concurrency; their UBL
/// CreditNote validated and stored; the invoice's amountDue and status; the revenue report; what a client key sees.
/// </summary>
public sealed class CreditNoteTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static readonly XNamespace Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
    private static readonly XNamespace Cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

    private static async Task<HttpTesting.Response> CreditAsync(Api api, string key, Guid invoiceId, string body, string? idempotencyKey = null) =>
        await api.SendAsync("POST", $"/api/invoices/{invoiceId}/credit-notes", key, body,
            idempotencyKey is null ? null : new Dictionary<string, string> { [IdempotentRequestsHeader] = idempotencyKey });

    private const string IdempotentRequestsHeader = "Idempotency-Key";

    private async Task<Invoice> InvoiceAsync(Guid id)
    {
        await using var db = database.CreateContext();
        return await db.Invoices.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    private async Task<CreditNote> NoteAsync(string id)
    {
        await using var db = database.CreateContext();
        return await db.CreditNotes.AsNoTracking().Include(n => n.Lines).Include(n => n.VatBreakdown).SingleAsync(n => n.Id == Guid.Parse(id));
    }

    private static string Id(HttpTesting.Response response) => response.Json.GetProperty("id").GetString()!;

    [Fact]
    public async Task A_whole_credit_note_of_an_unpaid_invoice_cancels_it_and_is_a_valid_golden_ubl_credit_note_referencing_it()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_whole");
        var admin = await EFacturaWorld.KeyAsync(scenario);
        var api = new Api(scenario.Services);
        scenario.Clock.SetUtcNow(DateTimeOffset.Parse("2026-01-12T10:00:00Z"));

        var created = await CreditAsync(api, admin, invoice.Id, """{"reason":"Storno: factură emisă greșit"}""");

        Assert.Equal(201, created.Status);
        var note = await NoteAsync(Id(created));
        Assert.Matches(@"^VAI-CN-2026-\d{6}$", note.Number);
        Assert.Equal((867.20m, 182.11m, 1049.31m), (note.NetAmount, note.VatAmount, note.GrossAmount));
        Assert.Equal(new DateOnly(2026, 1, 12), note.IssueDate);
        var after = await InvoiceAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Cancelled, 1049.31m, 0m), (after.Status, after.CreditedAmount, after.AmountDue));
        Assert.Equal((867.20m, 1049.31m), (after.NetAmount, after.Total)); // the invoice itself is never edited

        Assert.NotNull(note.Content);
        var validation = EFacturaValidator.Validate(note.Content);
        Assert.True(validation.IsValid, string.Join("\n", validation.Findings));
        EFacturaWorld.AssertGolden("dr_serban-2025-11-credit-note.xml", note.Content,
            (note.Number, "VAI-CN-2026-000001"), (invoice.Number!, EFacturaDocumentTests.GoldenNumber));
        var xml = XDocument.Parse(Encoding.UTF8.GetString(note.Content));
        Assert.Equal("381", xml.Root!.Element(Cbc + "CreditNoteTypeCode")!.Value);
        Assert.Equal(invoice.Number, xml.Root.Element(Cac + "BillingReference")!.Element(Cac + "InvoiceDocumentReference")!.Element(Cbc + "ID")!.Value);

        var download = await api.GetAsync($"/api/credit-notes/{note.Id}/efactura.xml", admin);
        Assert.Equal((200, "application/xml"), (download.Status, download.ContentType));
        Assert.Equal(note.Content, download.Bytes);
        Assert.Contains($"{note.Number}.xml", download.Headers.ContentDisposition.ToString());

        var detail = (await api.GetAsync($"/api/invoices/{invoice.Id}", admin)).Json;
        Assert.Equal("1049.31", detail.GetProperty("creditedAmount").GetString());
        Assert.Equal("0.00", detail.GetProperty("invoice").GetProperty("amountDue").GetString());
        Assert.Equal("CANCELLED", detail.GetProperty("invoice").GetProperty("status").GetString());
        Assert.Equal(note.Number, detail.GetProperty("creditNotes")[0].GetProperty("number").GetString());

        await using var db = database.CreateContext();
        var audit = await db.AuditEntries.AsNoTracking().Where(a => a.InvoiceId == invoice.Id).ToListAsync();
        Assert.Contains(audit, a => a.Entity == AuditEntities.CreditNote && a.Action == "issued" && a.EntityId == note.Id.ToString());
        Assert.Contains(audit, a => a.Entity == AuditEntities.Invoice && a.Action == "status" && a.After!.Contains("Cancelled", StringComparison.Ordinal));

        var again = await CreditAsync(api, admin, invoice.Id, """{"reason":"din nou"}""");
        Assert.Equal(409, again.Status);
        Assert.True(again.Json.GetProperty("errors").TryGetProperty("status", out _));
    }

    [Fact]
    public async Task A_july_2025_invoice_credited_in_2026_is_credited_at_its_own_19_percent()
    {
        await using var scenario = new BillingScenario(database);
        await EFacturaWorld.SetIssuerAsync(scenario);
        await scenario.ClientAsync("cn_july", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 7, 1), configure: EFacturaWorld.DrSerbanBuyer);
        await scenario.RunAsync("2025-08-01T12:00:00Z", "cn_july");
        var july = (await scenario.InvoicesAsync("cn_july")).Single(i => i.Period == "2025-07");
        Assert.Equal(19m, july.VatRate);
        scenario.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-02T10:00:00Z"));

        var created = await CreditAsync(new Api(scenario.Services), await EFacturaWorld.KeyAsync(scenario), july.Id, """{"reason":"Reducere"}""");

        var note = await NoteAsync(Id(created));
        Assert.Equal((100m, 19m, 119m), (note.NetAmount, note.VatAmount, note.GrossAmount));
        Assert.Equal(19m, Assert.Single(note.VatBreakdown).RatePercent);
        Assert.Contains("<cbc:Percent>19</cbc:Percent>", Encoding.UTF8.GetString(note.Content!));
    }

    [Fact]
    public async Task A_partial_credit_of_a_paid_invoice_keeps_it_paid_turns_the_excess_into_client_credit_and_the_last_credit_nets_it_to_zero()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_paid", basis: PriceBasis.Gross);
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            var paid = await scope.ServiceProvider.GetRequiredService<PaymentService>().RecordAsync(new PaymentService.NewPayment(invoice.Id, 867.20m,
                "RON", PaymentMethod.Transfer, PaymentStatus.Completed, "cn-paid-1", null), Actor.System, default);
            Assert.Equal(PaymentService.Outcome.Recorded, paid.Outcome);
        }
        var admin = await EFacturaWorld.KeyAsync(scenario);
        var api = new Api(scenario.Services);

        // The minutes (67.20 in the client's gross prices) were billed by mistake.
        var partial = await CreditAsync(api, admin, invoice.Id, """{"reason":"Minute facturate eronat","lines":[{"line":"minutes","amount":67.20}]}""");

        Assert.Equal(201, partial.Status);
        var first = await NoteAsync(Id(partial));
        Assert.Equal(67.20m, first.GrossAmount);
        Assert.Equal(67.20m, first.NetAmount + first.VatAmount);
        Assert.Equal(("minutes", 67.20m), (Assert.Single(first.Lines).InvoiceLine, first.Lines[0].Amount));
        Assert.True(EFacturaValidator.Validate(first.Content!).IsValid);
        var afterPartial = await InvoiceAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Paid, 67.20m, 0m, 800.00m), (afterPartial.Status, afterPartial.CreditedAmount, afterPartial.AmountDue, afterPartial.AmountPaid));
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            Assert.Equal(67.20m, await scope.ServiceProvider.GetRequiredService<PaymentService>().CreditBalanceAsync("cn_paid", "RON", default));
        }

        var tooMuch = await CreditAsync(api, admin, invoice.Id, """{"reason":"x","lines":[{"line":"minutes","amount":0.01}]}""");
        Assert.Equal(422, tooMuch.Status);
        Assert.True(tooMuch.Json.GetProperty("errors").TryGetProperty("lines[0].amount", out _));

        var rest = await CreditAsync(api, admin, invoice.Id, """{"reason":"Storno rest","whole":true}""");

        var last = await NoteAsync(Id(rest));
        var final = await InvoiceAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Cancelled, 867.20m, 0m), (final.Status, final.CreditedAmount, final.AmountDue));
        // To the cent: both notes together are the invoice.
        Assert.Equal((final.NetAmount, final.VatAmount), (first.NetAmount + last.NetAmount, first.VatAmount + last.VatAmount));
        Assert.True(EFacturaValidator.Validate(last.Content!).IsValid);
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            Assert.Equal(867.20m, await scope.ServiceProvider.GetRequiredService<PaymentService>().CreditBalanceAsync("cn_paid", "RON", default));
        }
    }

    [Fact]
    public async Task A_share_and_an_amount_are_spread_over_the_lines_and_every_wrong_request_is_refused_naming_its_field()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_share");
        var admin = await EFacturaWorld.KeyAsync(scenario);
        var api = new Api(scenario.Services);

        var refusals = new (string Body, int Status, string Field)[]
        {
            ("""{"reason":"x","share":0.5,"amount":10}""", 422, "body"),
            ("""{"reason":"x","share":1.5}""", 422, "share"),
            ("""{"reason":"x","amount":10000}""", 422, "amount"),
            ("""{"reason":"x","amount":1.001}""", 422, "amount"),
            ("""{"reason":"x","lines":[{"line":"nope","amount":1}]}""", 422, "lines[0].line"),
            ("""{"reason":"x","lines":[]}""", 422, "lines"),
            ("""{"reason":"  "}""", 400, "reason"),
            ("""{"reason":null}""", 400, "reason"),
            ("""{"reason":"x","lines":[null]}""", 400, "lines"),
            ("""{"reason":"x","lines":[{"line":null,"amount":1}]}""", 400, "lines"),
            ("""{"amount":10}""", 400, "body"), // JsonBody names a missing required field in the body
        };
        foreach (var (body, status, field) in refusals)
        {
            var refused = await CreditAsync(api, admin, invoice.Id, body);
            Assert.True(refused.Status == status, $"{body}: {refused.Status} {refused.Body}");
            Assert.True(refused.Json.GetProperty("errors").TryGetProperty(field, out _), $"{body}: {refused.Body}");
        }
        Assert.Equal(404, (await CreditAsync(api, admin, Guid.NewGuid(), """{"reason":"x"}""")).Status);
        Assert.Empty(await database.CreateContext().CreditNotes.Where(n => n.InvoiceId == invoice.Id).ToListAsync());

        var half = await NoteAsync(Id(await CreditAsync(api, admin, invoice.Id, """{"reason":"Jumătate","share":0.5}""")));
        Assert.Equal((400.00m, 33.60m), (half.Lines.Single(l => l.InvoiceLine == "fee").Amount, half.Lines.Single(l => l.InvoiceLine == "minutes").Amount));
        Assert.Equal((433.60m, 91.06m), (half.NetAmount, half.VatAmount));

        var hundred = await NoteAsync(Id(await CreditAsync(api, admin, invoice.Id, """{"reason":"Reducere","amount":100}""")));
        Assert.Equal(100.00m, hundred.Lines.Sum(l => l.Amount));
        Assert.Equal((92.25m, 7.75m), (hundred.Lines.Single(l => l.InvoiceLine == "fee").Amount, hundred.Lines.Single(l => l.InvoiceLine == "minutes").Amount));
        Assert.True(EFacturaValidator.Validate(hundred.Content!).IsValid);
        var after = await InvoiceAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Pending, half.GrossAmount + hundred.GrossAmount), (after.Status, after.CreditedAmount));
        Assert.Equal(after.Total - after.CreditedAmount, after.AmountDue);
    }

    [Fact]
    public async Task Credit_notes_issued_at_once_take_consecutive_numbers_of_their_own_series_and_leave_the_invoice_series_alone()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_race");
        var admin = await EFacturaWorld.KeyAsync(scenario);
        var api = new Api(scenario.Services);
        await using var db = database.CreateContext();
        var invoiceSeriesBefore = await db.InvoiceNumberSeries.AsNoTracking().Where(s => s.Series == "VAI").ToListAsync();
        var existing = await db.CreditNotes.CountAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            CreditAsync(api, admin, invoice.Id, $$"""{"reason":"Reducere {{i}}","amount":1.00}""")));

        Assert.All(answers, a => Assert.Equal(201, a.Status));
        // Every year's series, this test's notes with the others of this class: 1, 2, 3... with no gap and no repeat.
        var series = (await db.CreditNotes.AsNoTracking().Select(n => n.Number).ToListAsync()).GroupBy(n => n[..^6]).ToList();
        Assert.Equal(existing + 12, series.Sum(g => g.Count()));
        Assert.All(series, g => Assert.Equal(Enumerable.Range(1, g.Count()),
            g.Select(n => int.Parse(n[^6..], System.Globalization.CultureInfo.InvariantCulture)).Order()));
        Assert.Equal(12.00m + 12 * 0.21m, (await InvoiceAsync(invoice.Id)).CreditedAmount);
        Assert.Equal(invoiceSeriesBefore.Select(s => s.NextNumber), await db.InvoiceNumberSeries.AsNoTracking().Where(s => s.Series == "VAI").Select(s => s.NextNumber).ToListAsync());
    }

    [Fact]
    public async Task A_client_key_sees_its_own_credit_notes_only_and_cannot_issue_one()
    {
        await using var scenario = new BillingScenario(database);
        var mine = await EFacturaWorld.NovemberAsync(scenario, "cn_tenant_a");
        var theirs = await EFacturaWorld.NovemberAsync(scenario, "cn_tenant_b");
        var admin = await EFacturaWorld.KeyAsync(scenario);
        var keyA = await EFacturaWorld.KeyAsync(scenario, ApiKeyScope.Client, "cn_tenant_a");
        var api = new Api(scenario.Services);
        var noteA = Id(await CreditAsync(api, admin, mine.Id, """{"reason":"A","amount":10}"""));
        var noteB = Id(await CreditAsync(api, admin, theirs.Id, """{"reason":"B","amount":10}"""));

        Assert.Equal(200, (await api.GetAsync($"/api/credit-notes/{noteA}/efactura.xml", keyA)).Status);
        var foreign = await api.GetAsync($"/api/credit-notes/{noteB}/efactura.xml", keyA);
        Assert.Equal(404, foreign.Status);
        Assert.Equal(404, (await api.GetAsync("/api/credit-notes/not-a-guid/efactura.xml", keyA)).Status);
        var detail = (await api.GetAsync($"/api/invoices/{mine.Id}", keyA)).Json;
        Assert.Equal(noteA, detail.GetProperty("creditNotes")[0].GetProperty("id").GetString());
        Assert.Equal(404, (await api.GetAsync($"/api/invoices/{theirs.Id}", keyA)).Status);
        Assert.Equal(403, (await CreditAsync(api, keyA, mine.Id, """{"reason":"mine"}""")).Status);
    }

    [Fact]
    public async Task The_revenue_report_nets_credit_notes_out_of_the_period_they_credit()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_revenue");
        var admin = await EFacturaWorld.KeyAsync(scenario, ApiKeyScope.Client, "cn_revenue");
        var api = new Api(scenario.Services);
        static JsonElement November(JsonElement report) => report.GetProperty("periods").EnumerateArray().Single(p => p.GetProperty("period").GetString() == "2025-11");
        var before = November((await api.GetAsync("/api/reports/revenue?from=2025-11&to=2025-11", admin)).Json);
        Assert.Equal("1049.31", before.GetProperty("total").GetString());

        Assert.Equal(201, (await CreditAsync(api, await EFacturaWorld.KeyAsync(scenario), invoice.Id, """{"reason":"Minute","lines":[{"line":"minutes","amount":67.20}]}""")).Status);

        var after = November((await api.GetAsync("/api/reports/revenue?from=2025-11&to=2025-11", admin)).Json);
        Assert.Equal(("968.00", "800.00", "168.00"), (after.GetProperty("total").GetString(), after.GetProperty("net").GetString(), after.GetProperty("vat").GetString()));
    }

    [Fact]
    public async Task A_stored_credit_note_cannot_be_changed_or_removed()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_frozen");
        var id = Id(await CreditAsync(new Api(scenario.Services), await EFacturaWorld.KeyAsync(scenario), invoice.Id, """{"reason":"x","amount":5}"""));

        await using var connection = await database.OpenConnectionAsync();
        foreach (var statement in new[]
                 {
                     $"UPDATE \"CreditNote\" SET \"reason\" = 'rewritten' WHERE \"id\" = '{id}'",
                     $"DELETE FROM \"CreditNoteLine\" WHERE \"creditNoteId\" = '{id}'",
                     $"DELETE FROM \"CreditNote\" WHERE \"id\" = '{id}'",
                 })
        {
            await using var command = new NpgsqlCommand(statement, connection);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("never changes", refused.MessageText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_period_credited_in_full_is_invoiced_again_once_with_a_new_number_and_the_buyers_corrected_details()
    {
        await using var scenario = new BillingScenario(database);
        await EFacturaWorld.SetIssuerAsync(scenario);
        await scenario.ClientAsync("cn_reissue", billingStart: new DateOnly(2025, 11, 1)); // no buyer details: not exportable
        await scenario.CallAsync("cn_reissue", "2025-11-10T09:00:00Z", 600);
        await scenario.RunAsync("2025-12-01T12:00:00Z", "cn_reissue");
        var wrong = (await scenario.InvoicesAsync("cn_reissue")).Single();
        Assert.False(wrong.Exportable);
        var admin = await EFacturaWorld.KeyAsync(scenario);
        var api = new Api(scenario.Services);
        scenario.Clock.SetUtcNow(DateTimeOffset.Parse("2025-12-03T09:00:00Z"));
        Assert.Equal(409, (await api.SendAsync("POST", $"/api/invoices/{wrong.Id}/reissue", admin)).Status); // not credited yet

        var storno = await CreditAsync(api, admin, wrong.Id, """{"reason":"Date cumpărător lipsă"}""");
        Assert.Equal(201, storno.Status);
        Assert.False(storno.Json.GetProperty("exportable").GetBoolean()); // the invoice it credits never was
        Assert.Equal(409, (await api.GetAsync($"/api/credit-notes/{Id(storno)}/efactura.xml", admin)).Status);
        await using (var db = database.CreateContext())
        {
            var client = await db.Clients.SingleAsync(c => c.ClientId == "cn_reissue");
            EFacturaWorld.DrSerbanBuyer(client);
            await db.SaveChangesAsync();
        }

        var reissued = await api.SendAsync("POST", $"/api/invoices/{wrong.Id}/reissue", admin);

        Assert.Equal(201, reissued.Status);
        var invoices = await scenario.InvoicesAsync("cn_reissue");
        Assert.Equal(2, invoices.Count);
        var corrected = invoices.Single(i => i.Status != InvoiceStatus.Cancelled);
        Assert.NotEqual(wrong.Number, corrected.Number);
        Assert.Equal(corrected.Number, reissued.Json.GetProperty("number").GetString());
        Assert.Equal((wrong.Period, wrong.Total, wrong.Minutes, InvoiceStatus.Pending), (corrected.Period, corrected.Total, corrected.Minutes, corrected.Status));
        Assert.True(corrected.Exportable, string.Join(", ", corrected.MissingFields));
        Assert.Equal(new DateOnly(2025, 12, 3).AddDays(wrong.DueDate.DayNumber - wrong.IssueDate!.Value.DayNumber), corrected.DueDate);
        var document = await api.GetAsync($"/api/invoices/{corrected.Id}/efactura.xml", admin);
        Assert.Equal(200, document.Status);
        Assert.Contains("Cabinet Dr. Șerban SRL", document.Body, StringComparison.Ordinal);
        Assert.Equal(409, (await api.SendAsync("POST", $"/api/invoices/{wrong.Id}/reissue", admin)).Status); // once
        var billedBy = await scenario.BilledByAsync("cn_reissue");
        Assert.All(billedBy.Values, v => Assert.Equal(corrected.Id, v));

        // The cycle goes on: December is invoiced after the corrected November.
        await scenario.CallAsync("cn_reissue", "2025-12-10T09:00:00Z", 60);
        await scenario.RunAsync("2026-01-01T12:00:00Z", "cn_reissue");
        Assert.Contains(await scenario.InvoicesAsync("cn_reissue"), i => i.Period == "2025-12");
    }

    [Fact]
    public async Task The_same_idempotency_key_and_body_answer_the_first_credit_note_and_issue_no_second()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_idem");
        var admin = await EFacturaWorld.KeyAsync(scenario);
        var api = new Api(scenario.Services);
        const string body = """{"reason":"Reducere","amount":50}""";

        var first = await CreditAsync(api, admin, invoice.Id, body, "cn-idem-1");
        var replay = await CreditAsync(api, admin, invoice.Id, body, "cn-idem-1");
        var other = await CreditAsync(api, admin, invoice.Id, """{"reason":"Reducere","amount":51}""", "cn-idem-1");

        Assert.Equal((201, 201, 422), (first.Status, replay.Status, other.Status));
        Assert.Equal(first.Body, replay.Body);
        await using var db = database.CreateContext();
        Assert.Equal(1, await db.CreditNotes.CountAsync(n => n.InvoiceId == invoice.Id));
    }

    [Fact]
    public async Task A_fully_credited_invoice_has_its_open_stripe_sessions_expired_through_the_outbox()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_stripe");
        await using (var db = database.CreateContext())
        {
            db.StripeCheckoutSessions.Add(new StripeCheckoutSession
            {
                Id = "cs_test_cn_stripe",
                InvoiceId = invoice.Id,
                Amount = invoice.AmountDue,
                Currency = "RON",
                Url = "https://checkout.stripe.test/cs_test_cn_stripe",
                ExpiresAt = scenario.Clock.GetUtcNow().AddHours(23),
                CreatedAt = scenario.Clock.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        }

        Assert.Equal(201, (await CreditAsync(new Api(scenario.Services), await EFacturaWorld.KeyAsync(scenario), invoice.Id, """{"reason":"Anulare"}""")).Status);

        await using var check = database.CreateContext();
        var queued = await check.OutboxMessages.AsNoTracking().Where(m => m.Kind == StripeSessionExpiry.Kind).ToListAsync();
        Assert.Contains(queued, m => m.Payload.Contains(invoice.Id.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Credit_notes_of_euro_reverse_charge_and_not_subject_to_vat_invoices_are_valid_at_their_own_category_and_rate()
    {
        await using var scenario = new BillingScenario(database);
        var (euroInvoice, abroadInvoice, notSubjectInvoice) = await EFacturaWorld.OtherKindsAsync(scenario, "cn");
        var admin = await EFacturaWorld.KeyAsync(scenario);
        var api = new Api(scenario.Services);

        var notes = new Dictionary<string, CreditNote>();
        foreach (var (client, invoice) in new[] { ("cn_eur", euroInvoice), ("cn_ae", abroadInvoice), ("cn_o", notSubjectInvoice) })
        {
            var created = await CreditAsync(api, admin, invoice.Id, """{"reason":"Reducere","share":0.5}""");
            Assert.Equal(201, created.Status);
            notes[client] = await NoteAsync(Id(created));
            Assert.True(notes[client].Content is not null, $"{client}: {string.Join("; ", notes[client].Findings)}");
        }

        // 50 EUR at 21% = 10.50 EUR VAT, 53.43 RON at the invoice's own BNR rate of 5.0889.
        Assert.Equal((50m, 10.50m, 53.43m), (notes["cn_eur"].NetAmount, notes["cn_eur"].VatAmount, notes["cn_eur"].VatAmountRon));
        var euro = Encoding.UTF8.GetString(notes["cn_eur"].Content!);
        Assert.Contains("<cbc:TaxAmount currencyID=\"RON\">53.43</cbc:TaxAmount>", euro);
        Assert.Equal(("AE", 0m), (Assert.Single(notes["cn_ae"].VatBreakdown).Category, notes["cn_ae"].VatAmount));
        Assert.Contains("<cbc:TaxExemptionReasonCode>VATEX-EU-AE</cbc:TaxExemptionReasonCode>", Encoding.UTF8.GetString(notes["cn_ae"].Content!));
        var notSubject = Encoding.UTF8.GetString(notes["cn_o"].Content!);
        Assert.Contains("<cbc:TaxExemptionReason>Neplătitor de TVA (art. 310 Cod fiscal)</cbc:TaxExemptionReason>", notSubject);
        Assert.DoesNotContain("RO14399840", notSubject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_credits_an_invoice_per_line_and_in_full_and_issues_its_period_again()
    {
        await using var scenario = new BillingScenario(database);
        var invoice = await EFacturaWorld.NovemberAsync(scenario, "cn_cli");
        var cli = new Cli.CliRunner(database, scenario.Clock);

        var line = await cli.RunAsync("invoices", "credit", invoice.Number!, "--reason", "Minute eronate", "--line", "minutes=67.20");
        var bad = await cli.RunAsync("invoices", "credit", invoice.Number!, "--reason", "x", "--line", "minutes");
        var rest = await cli.RunAsync("invoices", "credit", invoice.Number!, "--reason", "Storno");
        var again = await cli.RunAsync("invoices", "reissue", invoice.Number!);

        Assert.True(line.ExitCode == 0, line.Out + line.Error);
        Assert.Contains("81.31 RON", line.Out, StringComparison.Ordinal);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.True(rest.ExitCode == 0, rest.Out + rest.Error);
        Assert.Contains("CANCELLED", rest.Out, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.Out + again.Error);
        var invoices = await scenario.InvoicesAsync("cn_cli");
        Assert.Equal([InvoiceStatus.Pending, InvoiceStatus.Cancelled], invoices.Select(i => i.Status).Order());
        await using var db = database.CreateContext();
        Assert.All(await db.AuditEntries.AsNoTracking().Where(a => a.ClientId == "cn_cli" && a.Entity == AuditEntities.CreditNote).ToListAsync(),
            a => Assert.StartsWith("cli:", a.Actor, StringComparison.Ordinal));
    }
}
