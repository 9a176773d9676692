using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.Pdf;
using Billing.Domain.Outbox;
using Billing.Domain.Payments;
using Billing.Functions.Payments;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Billing.Tests.Payments;

/// <summary>The stable pay link: one Checkout Session per amount due, reused on a second click, expired once paid another way.</summary>
public sealed class StripePayLinkTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task An_open_invoice_link_redirects_to_a_session_for_its_amount_due_reused_until_a_transfer_changes_what_is_due()
    {
        var stripe = new FakeStripe();
        await using var world = await StripeTesting.WorldAsync(database, stripe);
        var invoice = await world.InvoiceAsync("pay_open", fee: 1000m);
        Assert.True(StripePayLinks.IsWellFormed(invoice.PayToken));

        var link = await world.SendAsync("POST", $"/api/invoices/{invoice.Id}/checkout");
        Assert.Equal(200, link.Status);
        Assert.Equal(StripeTesting.PayLinkBase + invoice.PayToken, link.Json.GetProperty("payLink").GetString());
        Assert.Equal(("1000.00", "PENDING"), (link.Json.GetProperty("amountDue").GetString(), link.Json.GetProperty("status").GetString()));
        Assert.Equal(404, (await world.SendAsync("POST", $"/api/invoices/{Guid.NewGuid()}/checkout")).Status);
        Assert.Empty(stripe.Created);

        var first = await OpenAsync(world, invoice.PayToken!);
        Assert.Equal(302, first.Status);
        Assert.Equal("no-store", first.Headers.CacheControl.ToString());
        var request = Assert.Single(stripe.Created);
        Assert.Equal((invoice.Id, invoice.Number, "pay_open", 100_000L, "RON"),
            (request.InvoiceId, request.InvoiceNumber, request.ClientId, request.AmountMinor, request.Currency));
        Assert.Equal(world.Scenario.Clock.GetUtcNow().AddHours(24), request.ExpiresAt);
        Assert.StartsWith("https://checkout.stripe.com/c/pay/cs_test_", first.Headers.Location.ToString());

        // A second click, and a click from another device, go to the same session.
        Assert.Equal(first.Headers.Location.ToString(), (await OpenAsync(world, invoice.PayToken!)).Headers.Location.ToString());
        Assert.Single(stripe.Created);

        // 400 RON arrive by transfer: the session for 1000 RON is expired (after the payment committed), the next click pays 600.
        Assert.Equal(201, (await world.PayAsync(invoice.Id, """{"amount":400,"method":"transfer","transactionId":"pay-open-1"}""")).Status);
        await DeliverOutboxAsync(world);
        var firstSessionId = first.Headers.Location.ToString().Split('/')[^1];
        Assert.Equal([firstSessionId], stripe.Expired);
        var second = await OpenAsync(world, invoice.PayToken!);
        Assert.Equal(60_000L, stripe.Created[^1].AmountMinor);
        Assert.NotEqual(first.Headers.Location.ToString(), second.Headers.Location.ToString());

        // The rest by transfer: the invoice is paid, its open session expired, and the link says so.
        Assert.Equal(201, (await world.PayAsync(invoice.Id, """{"amount":600,"method":"transfer","transactionId":"pay-open-2"}""")).Status);
        await DeliverOutboxAsync(world);
        Assert.Equal(2, stripe.Expired.Count);
        await using (var db = database.CreateContext())
        {
            Assert.All(await db.StripeCheckoutSessions.Where(s => s.InvoiceId == invoice.Id).ToListAsync(),
                s => Assert.Equal(CheckoutSessionStatus.Expired, s.Status));
        }
        var paid = await OpenAsync(world, invoice.PayToken!);
        Assert.Equal((200, "text/html; charset=utf-8"), (paid.Status, paid.ContentType));
        Assert.Contains($"Factura {invoice.Number} este plătită", paid.Body);
        Assert.Equal(2, stripe.Created.Count);
    }

    [Fact]
    public async Task A_cancelled_invoice_link_says_so_and_unknown_or_malformed_tokens_are_404_without_asking_stripe()
    {
        var stripe = new FakeStripe();
        await using var world = await StripeTesting.WorldAsync(database, stripe);
        var invoice = await world.InvoiceAsync("pay_cancelled");
        await using (var db = database.CreateContext())
        {
            await db.Invoices.Where(i => i.Id == invoice.Id).ExecuteUpdateAsync(u => u.SetProperty(i => i.Status, InvoiceStatus.Cancelled));
        }

        var cancelled = await OpenAsync(world, invoice.PayToken!);
        Assert.Equal(200, cancelled.Status);
        Assert.Contains($"Factura {invoice.Number} este anulată", cancelled.Body);
        Assert.Equal(404, (await OpenAsync(world, new string('a', 64))).Status);
        Assert.Equal(404, (await OpenAsync(world, "../../api/invoices")).Status);
        Assert.Equal(404, (await OpenAsync(world, invoice.PayToken!.ToUpperInvariant())).Status);
        Assert.Empty(stripe.Created);
    }

    [Fact]
    public async Task Stripe_down_is_503_with_retry_after_and_a_refused_session_502_and_neither_stores_a_session()
    {
        var stripe = new FakeStripe { Failure = new StripeUnavailableException("Stripe failed: api_error") };
        await using var world = await StripeTesting.WorldAsync(database, stripe);
        var invoice = await world.InvoiceAsync("pay_down");

        var down = await OpenAsync(world, invoice.PayToken!);
        Assert.Equal((503, "60"), (down.Status, down.Headers.RetryAfter.ToString()));
        stripe.Failure = new StripeRefusedException("Stripe refused the request: amount_too_small");
        Assert.Equal(502, (await OpenAsync(world, invoice.PayToken!)).Status);
        await using var db = database.CreateContext();
        Assert.Equal(0, await db.StripeCheckoutSessions.CountAsync(s => s.InvoiceId == invoice.Id));

        stripe.Failure = null;
        Assert.Equal(302, (await OpenAsync(world, invoice.PayToken!)).Status);
    }

    [Fact]
    public async Task The_pdf_and_the_email_carry_the_stable_pay_link_and_without_stripe_links_are_404_and_nothing_carries_one()
    {
        await using (var world = await StripeTesting.WorldAsync(database, new FakeStripe()))
        {
            var invoice = await world.InvoiceAsync("pay_pdf");
            var link = StripeTesting.PayLinkBase + invoice.PayToken;
            await using var scope = world.Scenario.Services.CreateAsyncScope();
            var document = (await scope.ServiceProvider.GetRequiredService<InvoiceDocuments>().LoadAsync(invoice.Id, default))!;
            Assert.Equal(link, document.PayLink);
            var pdf = (await scope.ServiceProvider.GetRequiredService<InvoicePdfs>().GetAsync(invoice.Id, default))!;
            Assert.Contains($"Plată online cu cardul: {link}", PdfText.Read(pdf.Content));
            var mail = InvoiceEmail.Compose(document, MailboxAddress.Parse("facturi@client.example.ro"), pdf.Content);
            Assert.Contains($"Plată online cu cardul: {link}", mail.TextBody);
            Assert.DoesNotContain("checkout.stripe.com", mail.TextBody);
        }

        await using (var off = await PaymentWorld.CreateAsync(database))
        {
            var invoice = await off.InvoiceAsync("pay_off");
            Assert.Equal(404, (await OpenAsync(off, invoice.PayToken!)).Status);
            Assert.Equal(404, (await off.SendAsync("POST", $"/api/invoices/{invoice.Id}/checkout")).Status);
            await using var scope = off.Scenario.Services.CreateAsyncScope();
            Assert.Null((await scope.ServiceProvider.GetRequiredService<InvoiceDocuments>().LoadAsync(invoice.Id, default))!.PayLink);
        }
    }

    [Fact]
    public async Task Stripe_half_configured_fails_at_start_naming_the_missing_settings()
    {
        var settings = StripeTesting.Settings;
        settings.Remove("Stripe:WebhookSecrets:0");
        settings.Remove("Stripe:WebhookSecrets:1");
        settings["Stripe:SuccessUrl"] = "not a url";
        await using var services = database.CreateServices(settings: settings);
        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StripeOptions>>().Value);
        Assert.Contains("Stripe:WebhookSecrets:0", failure.Message);
        Assert.Contains("Stripe:SuccessUrl", failure.Message);
    }

    /// <summary>GET /pay/{token} as the host runs it, checked against openapi.json.</summary>
    public static async Task<HttpTesting.Response> OpenAsync(PaymentWorld world, string token)
    {
        await using var scope = world.Scenario.Services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<StripeFunctions>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, "GET", $"/api/pay/{token}");
        var response = await FunctionPipeline.SendAsync(context, nameof(StripeFunctions.PayInvoice),
            () => function.PayInvoice(context.Request, token, context.RequestAborted));
        var violations = OpenApiContract.Violations(nameof(StripeFunctions.PayInvoice), response.Status, response.ContentType, response.Body);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        return response;
    }

    private static async Task DeliverOutboxAsync(PaymentWorld world)
    {
        await using var scope = world.Scenario.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OutboxDispatcher>().RunAsync(default);
    }
}
