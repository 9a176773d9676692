using Billing.Cli;
using Billing.Domain.Access;
using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.Pdf;
using Billing.Domain.Outbox;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Billing.Tests.Invoicing;

/// <summary>
/// Invoices reach their clients: issued by the real cycle, rendered as a PDF once, e-mailed through the outbox to a
/// real SMTP server, and read back from it.
/// </summary>
public sealed class InvoiceDeliveryTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly SmtpTestServer _smtp = new();

    public async ValueTask InitializeAsync()
    {
        // Tests of this class run one after another on one database; each dispatcher run sees only its own test's mail.
        await using var db = database.CreateContext();
        await db.OutboxMessages.ExecuteDeleteAsync();
    }

    public async ValueTask DisposeAsync() => await _smtp.DisposeAsync();

    /// <summary>November 2025 of a clinic: 120 minutes at 0.56 plus the 800 fee = 867.20 RON, issued on 1 December.</summary>
    private async Task<(BillingScenario Scenario, Invoice Invoice)> NovemberAsync(string clientId, string? email = "receptie@clinica.test",
        Dictionary<string, string?>? settings = null)
    {
        var scenario = new BillingScenario(database, settings ?? _smtp.Settings());
        await scenario.ClientAsync(clientId, billingStart: new DateOnly(2025, 11, 1), configure: c =>
        {
            c.Name = "Clinica Stâna de Vale: îngrijire și sănătate";
            c.Email = email;
        });
        await scenario.CallAsync(clientId, "2025-11-10T09:00:00Z", 7200);
        scenario.Clock.SetUtcNow(DateTimeOffset.Parse("2025-12-01T12:00:00Z")); // the run's e-mail is due from its issue instant
        await scenario.RunAsync("2025-12-01T12:00:00Z", clientId);
        var invoice = (await scenario.InvoicesAsync(clientId)).Single();
        return (scenario, invoice);
    }

    private static async Task<OutboxRunSummary> DeliverAsync(BillingScenario scenario)
    {
        await using var scope = scenario.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OutboxDispatcher>().RunAsync(default);
    }

    private static async Task<InvoicePdf> PdfAsync(BillingScenario scenario, Guid invoiceId)
    {
        await using var scope = scenario.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<InvoicePdfs>().GetAsync(invoiceId, default))!;
    }

    [Fact]
    public async Task The_pdf_is_an_a4_invoice_in_romanian_with_its_number_dates_lines_and_amounts()
    {
        var (scenario, invoice) = await NovemberAsync("pdf_text");
        await using var _ = scenario;

        var pdf = await PdfAsync(scenario, invoice.Id);
        var text = PdfText.Read(pdf.Content);

        Assert.Equal(867.20m, invoice.Total);
        Assert.Equal(1, PdfText.Pages(pdf.Content));
        Assert.Contains("FACTURĂ", text);
        Assert.Contains($"Seria și numărul: {invoice.Number}", text);
        Assert.Contains("Data emiterii: 01.12.2025", text);
        Assert.Contains($"Data scadenței: {invoice.DueDate:dd.MM.yyyy}", text);
        Assert.Contains("Perioada facturată: 01.11.2025 – 30.11.2025", text);
        Assert.Contains("Furnizor Cumpărător", text);
        Assert.Contains("Clinica Stâna de Vale: îngrijire și sănătate", text);
        Assert.Contains("E-mail: receptie@clinica.test", text);
        Assert.Contains("Nr. Descriere Cantitate U.M. Preț unitar Valoare (RON)", text);
        Assert.Contains("1 Abonament lunar: asistent vocal AI 1 lună 800,00 800,00", text);
        Assert.Contains("2 Minute convorbiri (1 apel, 120 min) 120 min 0,56 67,20", text);
        Assert.Contains("Total factură: 867,20 RON", text);
        Assert.Contains("Total de plată: 867,20 RON", text);
        Assert.Contains("Modalități de plată", text);
        // A4: 595 × 842 points.
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf.Content);
        Assert.Equal((595, 842), ((int)document.GetPage(1).Width, (int)document.GetPage(1).Height));
    }

    [Fact]
    public async Task The_pdf_is_rendered_once_and_every_download_returns_the_same_bytes_even_after_the_client_changes()
    {
        var (scenario, invoice) = await NovemberAsync("pdf_once");
        await using var _ = scenario;
        var first = await PdfAsync(scenario, invoice.Id);
        await using (var db = database.CreateContext())
        {
            await db.Clients.Where(c => c.ClientId == "pdf_once").ExecuteUpdateAsync(s => s.SetProperty(c => c.Email, "nou@clinica.test"));
        }

        var again = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PdfAsync(scenario, invoice.Id)));

        Assert.All(again, p => Assert.Equal(first.Content, p.Content));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(first.Content)), first.Sha256);
        Assert.DoesNotContain("nou@clinica.test", PdfText.Read(again[0].Content));
    }

    [Fact]
    public async Task A_client_key_downloads_its_own_invoice_pdf_and_another_clients_reads_as_missing()
    {
        var (scenario, invoice) = await NovemberAsync("pdf_api");
        await using var _ = scenario;
        await scenario.ClientAsync("pdf_api_other");
        string own, other;
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
            own = (await keys.CreateAsync("portal", ApiKeyScope.Client, "pdf_api", null, default)).PlainKey;
            other = (await keys.CreateAsync("portal 2", ApiKeyScope.Client, "pdf_api_other", null, default)).PlainKey;
        }
        var api = new Api(scenario.Services);

        var mine = await api.GetAsync($"/api/invoices/{invoice.Id}/pdf", own);
        var theirs = await api.GetAsync($"/api/invoices/{invoice.Id}/pdf", other);
        var missing = await api.GetAsync($"/api/invoices/{Guid.NewGuid()}/pdf", own);
        var anonymous = await api.GetAsync($"/api/invoices/{invoice.Id}/pdf", null);

        Assert.Equal(200, mine.Status);
        Assert.Equal("application/pdf", mine.ContentType);
        Assert.Equal((await PdfAsync(scenario, invoice.Id)).Content, mine.Bytes);
        Assert.Contains($"Factura-{invoice.Number}.pdf", mine.Headers.ContentDisposition.ToString());
        Assert.Equal($"\"{(await PdfAsync(scenario, invoice.Id)).Sha256}\"", mine.Headers.ETag.ToString());
        Assert.Equal((404, 404, 401), (theirs.Status, missing.Status, anonymous.Status));
    }

    [Fact]
    public async Task The_cycle_queues_one_email_per_issued_invoice_none_on_a_dry_run_and_none_again_on_a_rerun()
    {
        await using var scenario = new BillingScenario(database, _smtp.Settings());
        foreach (var id in new[] { "queue_a", "queue_b" })
        {
            await scenario.ClientAsync(id, billingStart: new DateOnly(2025, 10, 1));
            await scenario.CallAsync(id, "2025-11-10T09:00:00Z", 600);
        }
        // Every e-mail message, whichever client's: the runs below bill every active client of this class's database.
        async Task<List<string>> QueuedAsync()
        {
            await using var db = database.CreateContext();
            return (await db.OutboxMessages.Where(m => m.Kind == InvoiceEmail.Kind).Select(m => m.Key).ToListAsync()).Order(StringComparer.Ordinal).ToList();
        }
        var before = await QueuedAsync();

        await scenario.RunAsync("2025-12-01T12:00:00Z", clientId: null, dryRun: true);
        Assert.Equal(before, await QueuedAsync());

        await scenario.RunAsync("2025-12-01T12:00:00Z", clientId: null);
        var afterRun = await QueuedAsync();
        await scenario.RunAsync("2025-12-01T13:00:00Z", clientId: null);
        Assert.Equal(afterRun, await QueuedAsync());
        var invoices = (await scenario.InvoicesAsync("queue_a")).Concat(await scenario.InvoicesAsync("queue_b")).Select(i => i.Id.ToString()).ToList();
        Assert.Equal(4, invoices.Count); // October and November of each
        Assert.Subset(afterRun.ToHashSet(), invoices.ToHashSet()); // each invoice queued once: ("kind", "key") is unique
    }

    [Fact]
    public async Task An_issued_invoice_is_emailed_in_romanian_with_its_pdf_and_read_back_from_the_smtp_server()
    {
        var (scenario, invoice) = await NovemberAsync("mail_ok");
        await using var _ = scenario;

        var summary = await DeliverAsync(scenario);

        Assert.Equal(1, summary.Delivered);
        await using var db = database.CreateContext();
        var message = await db.OutboxMessages.SingleAsync(m => m.Kind == InvoiceEmail.Kind && m.Key == invoice.Id.ToString());
        Assert.Equal(OutboxStatus.Sent, message.Status);
        var mail = Assert.Single(_smtp.Received, m => m.MessageId == $"{message.Id:N}@agentie.test");
        Assert.Equal("receptie@clinica.test", mail.To.Mailboxes.Single().Address);
        Assert.Equal($"Factura {invoice.Number}: 867,20 RON de plată până la {invoice.DueDate:dd.MM.yyyy}", mail.Subject);
        Assert.Contains($"Vă transmitem factura {invoice.Number} pentru perioada 01.11.2025 – 30.11.2025.", mail.TextBody);
        Assert.Contains("Total de plată: 867,20 RON", mail.TextBody);
        Assert.Contains($"Data scadenței: {invoice.DueDate:dd.MM.yyyy}", mail.TextBody);
        var attachment = Assert.IsType<MimePart>(Assert.Single(mail.Attachments));
        Assert.Equal($"Factura-{invoice.Number}.pdf", attachment.FileName);
        using var bytes = new MemoryStream();
        await attachment.Content!.DecodeToAsync(bytes);
        Assert.Equal((await PdfAsync(scenario, invoice.Id)).Content, bytes.ToArray());
        Assert.Contains("Total de plată: 867,20 RON", PdfText.Read(bytes.ToArray()));
    }

    [Fact]
    public async Task A_client_without_a_billing_email_dead_letters_its_own_message_only()
    {
        var (scenario, withoutEmail) = await NovemberAsync("mail_none", email: null);
        await using var _ = scenario;
        var (other, withEmail) = await NovemberAsync("mail_some");
        await using var __ = other;

        var summary = await DeliverAsync(scenario);

        Assert.Equal((1, 1), (summary.Delivered, summary.DeadLettered));
        await using var db = database.CreateContext();
        var dead = await db.OutboxMessages.SingleAsync(m => m.Key == withoutEmail.Id.ToString());
        Assert.Equal(OutboxStatus.Dead, dead.Status);
        Assert.Contains("client mail_none has no usable billing e-mail", dead.LastError);
        Assert.Equal(OutboxStatus.Sent, (await db.OutboxMessages.SingleAsync(m => m.Key == withEmail.Id.ToString())).Status);
    }

    [Fact]
    public async Task A_refused_recipient_dead_letters_that_invoice_and_the_next_one_is_still_sent()
    {
        var (scenario, refused) = await NovemberAsync("mail_refused", email: "refused@clinica.test");
        await using var _ = scenario;
        var (other, accepted) = await NovemberAsync("mail_accepted");
        await using var __ = other;

        await DeliverAsync(scenario);

        await using var db = database.CreateContext();
        var dead = await db.OutboxMessages.SingleAsync(m => m.Key == refused.Id.ToString());
        Assert.Equal((OutboxStatus.Dead, 1), (dead.Status, dead.Attempts));
        Assert.Contains("recipient refused@clinica.test refused", dead.LastError);
        Assert.Equal(OutboxStatus.Sent, (await db.OutboxMessages.SingleAsync(m => m.Key == accepted.Id.ToString())).Status);
        Assert.Contains(_smtp.Received, m => m.Subject?.Contains(accepted.Number!, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Without_an_smtp_server_invoice_emails_wait_and_health_says_why()
    {
        var (scenario, invoice) = await NovemberAsync("mail_off", settings: []);
        await using var _ = scenario;

        var summary = await DeliverAsync(scenario);

        Assert.Equal(0, summary.Delivered);
        Assert.Equal("sending e-mail is off: Smtp:Host is not set", summary.DisabledKinds[InvoiceEmail.Kind]);
        await using var db = database.CreateContext();
        var waiting = await db.OutboxMessages.SingleAsync(m => m.Key == invoice.Id.ToString());
        Assert.Equal((OutboxStatus.Pending, 0), (waiting.Status, waiting.Attempts));
    }

    [Fact]
    public async Task A_crash_after_sending_shows_the_smtp_server_the_same_message_id_twice_at_most()
    {
        var (scenario, invoice) = await NovemberAsync("mail_crash");
        await using var _ = scenario;
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            var dispatcher = scope.ServiceProvider.GetRequiredService<OutboxDispatcher>();
            var claimed = (await dispatcher.ClaimAsync([InvoiceEmail.Kind], 100, default)).Single(c => c.Delivery.Key == invoice.Id.ToString());
            // Sent, then the instance dies before recording it.
            await scope.ServiceProvider.GetRequiredService<InvoiceEmail>().DeliverAsync(claimed.Delivery, default);
        }

        scenario.Clock.Advance(TimeSpan.FromSeconds(new OutboxOptions().LeaseSeconds + 1));
        await DeliverAsync(scenario);
        scenario.Clock.Advance(TimeSpan.FromHours(1));
        await DeliverAsync(scenario);

        var copies = _smtp.Received.Where(m => m.Subject?.Contains(invoice.Number!, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(2, copies.Count);
        Assert.Single(copies.Select(m => m.MessageId).Distinct());
    }

    [Fact]
    public async Task The_cli_writes_the_stored_pdf_of_an_invoice_named_by_its_number()
    {
        var (scenario, invoice) = await NovemberAsync("pdf_cli");
        await using var _ = scenario;
        var file = Path.Combine(Path.GetTempPath(), $"factura-{Guid.NewGuid():N}.pdf");
        var cli = new CliRunner(database);

        var written = await cli.RunAsync("invoices", "pdf", invoice.Number!, "--out", file);
        var unknown = await cli.RunAsync("invoices", "pdf", "VAI-1999-000001", "--out", file + ".x");

        try
        {
            Assert.Equal(0, written.ExitCode);
            Assert.Equal((await PdfAsync(scenario, invoice.Id)).Content, await File.ReadAllBytesAsync(file));
            Assert.Equal(ExitCodes.Failure, unknown.ExitCode);
            Assert.Contains("No invoice numbered 'VAI-1999-000001'", unknown.Error);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

public sealed class RomanianFormatTests
{
    [Theory]
    [InlineData(1234567.5, "1.234.567,50")]
    [InlineData(0, "0,00")]
    [InlineData(867.2, "867,20")]
    public void Money_reads_the_romanian_way(decimal amount, string expected) => Assert.Equal(expected, Billing.Domain.Invoicing.Pdf.RomanianFormat.Money(amount));

    [Theory]
    [InlineData(1, "1 apel")]
    [InlineData(7, "7 apeluri")]
    [InlineData(19, "19 apeluri")]
    [InlineData(20, "20 de apeluri")]
    [InlineData(101, "101 apeluri")]
    [InlineData(1200, "1.200 de apeluri")]
    public void Call_counts_take_de_where_romanian_wants_it(int count, string expected) =>
        Assert.Equal(expected, Billing.Domain.Invoicing.Pdf.RomanianFormat.Calls(count));
}
