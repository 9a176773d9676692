using System.Text.Json.Nodes;
using Billing.Domain.Access;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Domain.Reports;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Billing.Tests.Payments.StripeDelivery;

namespace Billing.Tests.Payments;

/// <summary>Stripe's webhook: signed events, one row per payment and per refund, whatever the order and however often Stripe sends them.</summary>
public sealed class StripeWebhookTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static StripeEventBody Session(Invoice invoice, string pi, long minor) =>
        StripeEventBody.From("checkout.session.completed.json").For(invoice).Intent(pi).Amount(minor).Id($"evt_cs_{pi}");

    private static StripeEventBody Succeeded(Invoice invoice, string pi, long minor) =>
        StripeEventBody.From("payment_intent.succeeded.json").For(invoice).Intent(pi).Amount(minor).Id($"evt_ok_{pi}");

    private static StripeEventBody Refund(string pi, string refundId, long minor, string status = "succeeded", string? eventId = null) =>
        StripeEventBody.From("refund.created.json").Intent(pi).Amount(minor).ObjectId(refundId).Id(eventId ?? $"evt_{refundId}")
            .Set(e => e["data"]!["object"]!["status"] = status);

    private async Task<List<Payment>> PaymentsOfAsync(Guid invoiceId)
    {
        await using var db = database.CreateContext();
        return await db.Payments.AsNoTracking().Where(p => p.InvoiceId == invoiceId).OrderBy(p => p.CreatedAt).ThenBy(p => p.Amount).ToListAsync();
    }

    private async Task<StripeEvent?> EventAsync(string id)
    {
        await using var db = database.CreateContext();
        return await db.StripeEvents.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id);
    }

    [Fact]
    public async Task The_session_and_its_payment_intent_are_one_payment_in_either_order_at_once_or_replayed()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_one", fee: 1000m);
        // The payer opened the pay link: the session is ours and open.
        var link = await StripePayLinkTests.OpenAsync(world, invoice.PayToken!);
        var sessionId = link.Headers.Location.ToString().Split('/')[^1];

        var session = Session(invoice, "pi_one_a", 100_000).ObjectId(sessionId);
        var first = await DeliverAsync(world, session);
        Assert.Equal(200, first.Status);
        Assert.Equal((true, "APPLIED", false), (first.Json.GetProperty("stored").GetBoolean(), first.Json.GetProperty("state").GetString(),
            first.Json.GetProperty("replayed").GetBoolean()));
        // The PaymentIntent's own event, signed with the secret being rotated out: the same payment, no second row.
        var intent = Succeeded(invoice, "pi_one_a", 100_000);
        var second = await SendAsync(world, intent.Body, Sign(intent.Body, StripeTesting.PreviousWebhookSecret, world.Scenario.Clock.GetUtcNow()));
        Assert.Equal((200, "APPLIED"), (second.Status, second.Json.GetProperty("state").GetString()));
        Assert.Contains("already recorded", second.Json.GetProperty("detail").GetString());
        var replay = await DeliverAsync(world, session);
        Assert.True(replay.Json.GetProperty("replayed").GetBoolean());

        var payment = Assert.Single(await PaymentsOfAsync(invoice.Id));
        Assert.Equal((1000m, "RON", PaymentMethod.Card, PaymentStatus.Completed, "pi_one_a"),
            (payment.Amount, payment.Currency, payment.Method, payment.Status, payment.TransactionId));
        var paid = await world.ReloadAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Paid, 0m, (string?)null), (paid.Status, paid.AmountDue, paid.ReviewReason));
        await using (var db = database.CreateContext())
        {
            // What is kept of the events is what the app reads: not the payer's e-mail, name or address.
            var payloads = await db.StripeEvents.Where(e => e.PaymentIntentId == "pi_one_a").Select(e => e.Payload).ToListAsync();
            Assert.All(payloads, p => Assert.DoesNotContain("clinica-serban.example.ro", p));
            Assert.All(payloads, p => Assert.DoesNotContain("Memorandumului", p));
            Assert.All(payloads, p => Assert.Contains(invoice.Id.ToString(), p));
            Assert.Equal(CheckoutSessionStatus.Complete, (await db.StripeCheckoutSessions.SingleAsync(s => s.Id == sessionId)).Status);
            Assert.Equal(2, await db.StripeEvents.CountAsync(e => e.PaymentIntentId == "pi_one_a"));
            var actors = await db.AuditEntries.Where(a => a.InvoiceId == invoice.Id && a.Entity == "payment").Select(a => a.Actor).ToListAsync();
            Assert.Equal(["stripe"], actors);
        }

        // The other order, and both at once: still one row each.
        var reversed = await world.InvoiceAsync("stripe_one_reversed", fee: 250m);
        Assert.Equal(200, (await DeliverAsync(world, Succeeded(reversed, "pi_one_b", 25_000))).Status);
        Assert.Equal(200, (await DeliverAsync(world, Session(reversed, "pi_one_b", 25_000))).Status);
        Assert.Single(await PaymentsOfAsync(reversed.Id));
        var together = await world.InvoiceAsync("stripe_one_together", fee: 300m);
        var answers = await Task.WhenAll(
            DeliverAsync(world, Session(together, "pi_one_c", 30_000)), DeliverAsync(world, Succeeded(together, "pi_one_c", 30_000)),
            DeliverAsync(world, Session(together, "pi_one_c", 30_000)), DeliverAsync(world, Succeeded(together, "pi_one_c", 30_000)));
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Single(await PaymentsOfAsync(together.Id));
        Assert.Equal(InvoiceStatus.Paid, (await world.ReloadAsync(together.Id)).Status);
    }

    [Fact]
    public async Task Signatures_that_prove_nothing_are_refused_naming_the_header_and_write_nothing()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_sig", fee: 1000m);
        var body = Succeeded(invoice, "pi_sig", 100_000).Body;
        var now = world.Scenario.Clock.GetUtcNow();
        await using var scope = world.Scenario.Services.CreateAsyncScope();
        var clientKey = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>()
            .CreateAsync("portal", ApiKeyScope.Client, "stripe_sig", null, default)).PlainKey;

        async Task Refused(int status, string detail, string? signature, string payload, Dictionary<string, string>? headers = null)
        {
            var answer = await SendAsync(world, payload, signature, headers);
            Assert.Equal(status, answer.Status);
            var errors = answer.Json.GetProperty("errors");
            Assert.Contains(detail, errors.GetProperty("Stripe-Signature")[0].GetString());
        }

        await Refused(401, "Required", null, body);
        await Refused(401, "No v1 signature matches", Sign(body, "whsec_someone_elses_secret_000000", now), body);
        await Refused(401, "No v1 signature matches", Sign(body, StripeTesting.WebhookSecret, now), body.Replace("100000", "1"));
        await Refused(401, "more than 300 s", Sign(body, StripeTesting.WebhookSecret, now.AddSeconds(-301)), body);
        await Refused(401, "more than 300 s", Sign(body, StripeTesting.WebhookSecret, now.AddSeconds(301)), body);
        await Refused(400, "Expected t=", "v1=" + new string('a', 64), body);
        await Refused(400, "Expected t=", "t=abc,v1=" + new string('a', 64), body);
        // An API key is no credential here, the client's own included.
        await Refused(401, "Required", null, body, new Dictionary<string, string> { ["Authorization"] = "Bearer " + clientKey });
        await Refused(401, "No v1 signature matches", Sign(body, clientKey, now), body,
            new Dictionary<string, string> { ["Authorization"] = "Bearer " + clientKey });
        Assert.Empty(await PaymentsOfAsync(invoice.Id));
        Assert.Null(await EventAsync("evt_ok_pi_sig"));

        // Within the tolerance, on the injected clock, it is taken.
        Assert.Equal(200, (await SendAsync(world, body, Sign(body, StripeTesting.WebhookSecret, now.AddSeconds(-299)))).Status);
        Assert.Single(await PaymentsOfAsync(invoice.Id));

        var tooLarge = new string(' ', StripeWebhookHandler.MaxBodyBytes) + body;
        Assert.Equal(413, (await SendAsync(world, tooLarge, Sign(tooLarge, StripeTesting.WebhookSecret, now))).Status);
        const string notAnEvent = """{"hello":"world"}""";
        var shape = await SendAsync(world, notAnEvent, Sign(notAnEvent, StripeTesting.WebhookSecret, now));
        Assert.Equal(400, shape.Status);
        Assert.True(shape.Json.GetProperty("errors").TryGetProperty("id", out _));

        await using var off = await PaymentWorld.CreateAsync(database);
        Assert.Equal(404, (await SendAsync(off, body, Sign(body, StripeTesting.WebhookSecret, now))).Status);
    }

    [Fact]
    public async Task Our_pinned_api_version_is_stripe_nets_and_every_fixture_s_and_another_version_is_refused_unstored()
    {
        Assert.Equal(StripeApi.PinnedVersion, Stripe.StripeConfiguration.ApiVersion);
        var names = Fixtures.StripeEventNames().ToList();
        Assert.Equal(6, names.Count);
        Assert.All(names, name => Assert.Equal(StripeApi.PinnedVersion, (string?)JsonNode.Parse(Fixtures.Stripe(name))!["api_version"]));

        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_version", fee: 100m);
        var old = Succeeded(invoice, "pi_version", 10_000).Set(e => e["api_version"] = "2025-03-31.basil");
        var answer = await DeliverAsync(world, old);
        Assert.Equal(422, answer.Status);
        Assert.Contains(StripeApi.PinnedVersion, answer.Json.GetProperty("errors").GetProperty("api_version")[0].GetString());
        Assert.Empty(await PaymentsOfAsync(invoice.Id));
        Assert.Null(await EventAsync("evt_ok_pi_version"));
    }

    [Fact]
    public async Task A_failed_attempt_is_a_failed_row_the_monitor_lists_and_the_retry_that_succeeds_its_own_completed_row_in_any_order()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_failed", fee: 1000m);
        var failed = StripeEventBody.From("payment_intent.payment_failed.json").For(invoice).Intent("pi_failed").Amount(100_000).Id("evt_failed_1");
        Assert.Equal("APPLIED", (await DeliverAsync(world, failed)).Json.GetProperty("state").GetString());
        var row = Assert.Single(await PaymentsOfAsync(invoice.Id));
        Assert.Equal((PaymentStatus.Failed, 1000m, "ch_3SZbRqRbillingCh000000", "pi_failed", "insufficient_funds: Your card has insufficient funds."),
            (row.Status, row.Amount, row.TransactionId, row.Reference, row.Reason));
        Assert.Equal((InvoiceStatus.Pending, 1000m), ((await world.ReloadAsync(invoice.Id)).Status, (await world.ReloadAsync(invoice.Id)).AmountDue));

        // The seed's failed-payments monitor (the demo's and GET /api/payments?status=FAILED) reads it.
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            var monitor = await scope.ServiceProvider.GetRequiredService<ReportQueries>()
                .PaymentsAsync(Caller.LocalOperator, PaymentStatus.Failed, invoiceId: null, clientId: null, ReportQueries.MaxLimit, default);
            Assert.Contains(monitor, p => p.Id == row.Id);
        }
        var listed = await world.SendAsync("GET", $"/api/payments?status=FAILED&invoiceId={invoice.Id}");
        Assert.Equal(row.Id, listed.Json.GetProperty("items")[0].GetProperty("id").GetGuid());

        // The payer tries another card on the same PaymentIntent: its success is the payment.
        Assert.Equal(200, (await DeliverAsync(world, Succeeded(invoice, "pi_failed", 100_000))).Status);
        // Stripe redelivers the failure late: nothing changes.
        Assert.True((await DeliverAsync(world, failed)).Json.GetProperty("replayed").GetBoolean());
        var rows = await PaymentsOfAsync(invoice.Id);
        Assert.Equal([PaymentStatus.Failed, PaymentStatus.Completed], rows.Select(p => p.Status));
        Assert.Equal(InvoiceStatus.Paid, (await world.ReloadAsync(invoice.Id)).Status);

        // Success first, then a failure Stripe delivers late: the same two rows, the invoice still paid.
        var other = await world.InvoiceAsync("stripe_failed_late", fee: 500m);
        await DeliverAsync(world, Succeeded(other, "pi_failed_late", 50_000));
        await DeliverAsync(world, StripeEventBody.From("payment_intent.payment_failed.json").For(other).Intent("pi_failed_late").Amount(50_000)
            .Id("evt_failed_late").Set(e => e["data"]!["object"]!["last_payment_error"]!["charge"] = "ch_failed_late"));
        Assert.Equal([PaymentStatus.Completed, PaymentStatus.Failed], (await PaymentsOfAsync(other.Id)).Select(p => p.Status));
        Assert.Equal(InvoiceStatus.Paid, (await world.ReloadAsync(other.Id)).Status);
    }

    [Fact]
    public async Task Partial_and_full_refunds_are_rows_keyed_by_refund_id_and_a_refund_before_its_payment_waits_for_it()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_refund", fee: 1000m);
        await DeliverAsync(world, Succeeded(invoice, "pi_refund", 100_000));

        // 300 RON back: a REFUNDED row of the payment; the invoice owes them again.
        var partial = Refund("pi_refund", "re_refund_1", 30_000);
        Assert.Equal("APPLIED", (await DeliverAsync(world, partial)).Json.GetProperty("state").GetString());
        Assert.True((await DeliverAsync(world, partial)).Json.GetProperty("replayed").GetBoolean());
        // refund.updated for the same refund: the same row.
        Assert.Equal(200, (await DeliverAsync(world, Refund("pi_refund", "re_refund_1", 30_000, eventId: "evt_re_refund_1_updated")
            .Set(e => e["type"] = "refund.updated"))).Status);
        var payment = (await PaymentsOfAsync(invoice.Id)).Single(p => p.RefundOf is null);
        var refund = (await PaymentsOfAsync(invoice.Id)).Single(p => p.RefundOf is not null);
        Assert.Equal((300m, PaymentStatus.Refunded, payment.Id, "re_refund_1", "Refunded in Stripe (requested_by_customer)."),
            (refund.Amount, refund.Status, refund.RefundOf, refund.TransactionId, refund.Reason));
        Assert.Equal((InvoiceStatus.Pending, 300m), ((await world.ReloadAsync(invoice.Id)).Status, (await world.ReloadAsync(invoice.Id)).AmountDue));

        // The rest: charge.refunded lists every refund of the charge; the one recorded is not recorded again.
        var full = StripeEventBody.From("charge.refunded.json").Intent("pi_refund").Id("evt_ch_refund").Set(e =>
        {
            var refunds = e["data"]!["object"]!["refunds"]!["data"]!.AsArray();
            refunds[0]!["id"] = "re_refund_2";
            refunds[0]!["amount"] = 70_000;
            var first = refunds[0]!.DeepClone();
            (first["id"], first["amount"]) = ("re_refund_1", 30_000);
            refunds.Add(first);
        });
        Assert.Equal("APPLIED", (await DeliverAsync(world, full)).Json.GetProperty("state").GetString());
        var refunds = (await PaymentsOfAsync(invoice.Id)).Where(p => p.RefundOf is not null).OrderBy(p => p.TransactionId).ToList();
        Assert.Equal([("re_refund_1", 300m), ("re_refund_2", 700m)], refunds.Select(r => (r.TransactionId!, r.Amount)));
        Assert.Equal((InvoiceStatus.Pending, 1000m), ((await world.ReloadAsync(invoice.Id)).Status, (await world.ReloadAsync(invoice.Id)).AmountDue));

        // A pending refund moves nothing until it succeeds; a charge without its refund list is noted.
        var pending = await DeliverAsync(world, Refund("pi_refund", "re_refund_3", 10_000, status: "pending"));
        Assert.Equal("NOTED", pending.Json.GetProperty("state").GetString());
        var bare = StripeEventBody.From("charge.refunded.json").Intent("pi_refund").Id("evt_ch_bare").Set(e => e["data"]!["object"]!.AsObject().Remove("refunds"));
        Assert.Equal("NOTED", (await DeliverAsync(world, bare)).Json.GetProperty("state").GetString());
        Assert.Equal(3, (await PaymentsOfAsync(invoice.Id)).Count);

        // Stripe delivers a refund before the payment it refunds: stored, waiting, applied with the payment.
        var early = await world.InvoiceAsync("stripe_refund_early", fee: 1000m);
        var waiting = await DeliverAsync(world, Refund("pi_early", "re_early", 40_000));
        Assert.Equal(("WAITING", true), (waiting.Json.GetProperty("state").GetString(), waiting.Json.GetProperty("stored").GetBoolean()));
        Assert.Empty(await PaymentsOfAsync(early.Id));
        await DeliverAsync(world, Session(early, "pi_early", 100_000));
        Assert.Equal([(PaymentStatus.Completed, 1000m), (PaymentStatus.Refunded, 400m)],
            (await PaymentsOfAsync(early.Id)).Select(p => (p.Status, p.Amount)).OrderBy(p => p.Status));
        Assert.Equal((StripeEventState.Applied, early.Id), ((await EventAsync("evt_re_early"))!.State, (await EventAsync("evt_re_early"))!.InvoiceId));
        // A waiting charge.refunded is applied from what was kept of it (its refund list), without the payer's details.
        var lateCharge = await world.InvoiceAsync("stripe_refund_late_charge", fee: 1000m);
        var charge = StripeEventBody.From("charge.refunded.json").Intent("pi_late_charge").Id("evt_ch_late").Set(e =>
            e["data"]!["object"]!["refunds"]!["data"]![0]!["id"] = "re_late_charge");
        Assert.Equal("WAITING", (await DeliverAsync(world, charge)).Json.GetProperty("state").GetString());
        Assert.DoesNotContain("clinica-serban.example.ro", (await EventAsync("evt_ch_late"))!.Payload);
        await DeliverAsync(world, Succeeded(lateCharge, "pi_late_charge", 100_000));
        Assert.Equal(StripeEventState.Applied, (await EventAsync("evt_ch_late"))!.State);
        Assert.Equal(1000m, (await world.ReloadAsync(lateCharge.Id)).AmountDue);
        Assert.Equal(400m, (await world.ReloadAsync(early.Id)).AmountDue);
        // Replays of both after the fact change nothing.
        await DeliverAsync(world, Refund("pi_early", "re_early", 40_000));
        await DeliverAsync(world, Succeeded(early, "pi_early", 100_000));
        Assert.Equal(2, (await PaymentsOfAsync(early.Id)).Count);
    }

    [Fact]
    public async Task A_refund_racing_its_payment_is_applied_whichever_commits_first()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        for (var round = 0; round < 5; round++)
        {
            var invoice = await world.InvoiceAsync($"stripe_race_{round}", fee: 200m);
            var answers = await Task.WhenAll(DeliverAsync(world, Refund($"pi_race_{round}", $"re_race_{round}", 5_000)),
                DeliverAsync(world, Succeeded(invoice, $"pi_race_{round}", 20_000)));
            Assert.All(answers, a => Assert.Equal(200, a.Status));
            Assert.Equal([(PaymentStatus.Completed, 200m), (PaymentStatus.Refunded, 50m)],
                (await PaymentsOfAsync(invoice.Id)).Select(p => (p.Status, p.Amount)).OrderBy(p => p.Status));
            Assert.Equal(StripeEventState.Applied, (await EventAsync($"evt_re_race_{round}"))!.State);
            Assert.Equal(50m, (await world.ReloadAsync(invoice.Id)).AmountDue);
        }
    }

    [Fact]
    public async Task A_card_payment_larger_than_what_is_due_is_recorded_its_excess_becomes_credit_and_the_invoice_is_flagged_for_review()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        // The client takes no credit: an operator's overpayment would be refused, but Stripe has taken the money.
        var invoice = await world.InvoiceAsync("stripe_over", fee: 1000m, allowCredit: false);
        Assert.Equal(201, (await world.PayAsync(invoice.Id, """{"amount":400,"method":"transfer","transactionId":"stripe-over-1"}""")).Status);
        // A session opened for 1000 RON before the transfer is paid anyway.
        var answer = await DeliverAsync(world, Session(invoice, "pi_over", 100_000));
        Assert.Equal("APPLIED", answer.Json.GetProperty("state").GetString());

        var paid = await world.ReloadAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Paid, 0m, 1000m), (paid.Status, paid.AmountDue, paid.AmountPaid));
        Assert.Equal("1000.00 RON paid (pi_over) when 600.00 RON was due: 400.00 RON became client credit.", paid.ReviewReason);
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            Assert.Equal(400m, await scope.ServiceProvider.GetRequiredService<PaymentService>().CreditBalanceAsync("stripe_over", "RON", default));
        }
        Assert.Equal(paid.ReviewReason, (await world.InvoiceViewAsync(invoice.Id)).GetProperty("reviewReason").GetString());
        var review = await world.SendAsync("GET", "/api/invoices?review=true&clientId=stripe_over");
        Assert.Equal(invoice.Id, Assert.Single(review.Json.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.DoesNotContain((await world.SendAsync("GET", "/api/invoices?review=false&clientId=stripe_over")).Json.GetProperty("items").EnumerateArray(),
            i => i.GetProperty("id").GetGuid() == invoice.Id);
        var history = await world.SendAsync("GET", $"/api/invoices/{invoice.Id}/history");
        Assert.Contains(history.Json.GetProperty("items").EnumerateArray(),
            h => h.GetProperty("actor").GetString() == "stripe" && h.GetProperty("action").GetString() == "review");

        // The client sees its invoice and credit, not the agency's review.
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            var clientKey = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>()
                .CreateAsync("portal", ApiKeyScope.Client, "stripe_over", null, default)).PlainKey;
            var own = await world.Api.GetAsync($"/api/invoices/{invoice.Id}", clientKey);
            Assert.False(own.Json.GetProperty("invoice").TryGetProperty("reviewReason", out _));
            var refused = await world.Api.GetAsync("/api/invoices?review=true", clientKey);
            Assert.Equal(400, refused.Status);
            Assert.True(refused.Json.GetProperty("errors").TryGetProperty("review", out _));
        }

        // Paid by card after it was cancelled: all of it is credit, and the invoice is flagged.
        var cancelled = await world.InvoiceAsync("stripe_cancelled", fee: 500m);
        await using (var db = database.CreateContext())
        {
            await db.Invoices.Where(i => i.Id == cancelled.Id).ExecuteUpdateAsync(u => u.SetProperty(i => i.Status, InvoiceStatus.Cancelled));
        }
        Assert.Equal("APPLIED", (await DeliverAsync(world, Succeeded(cancelled, "pi_cancelled", 50_000))).Json.GetProperty("state").GetString());
        var after = await world.ReloadAsync(cancelled.Id);
        Assert.Equal((InvoiceStatus.Cancelled, 0m), (after.Status, after.AmountPaid));
        Assert.Contains("after the invoice was cancelled", after.ReviewReason);
        Assert.Equal(PaymentStatus.Completed, Assert.Single(await PaymentsOfAsync(cancelled.Id)).Status);
    }

    [Fact]
    public async Task Two_sessions_paid_the_later_payment_is_all_credit_and_an_operator_clears_the_review()
    {
        var stripe = new FakeStripe();
        await using var world = await StripeTesting.WorldAsync(database, stripe);
        var invoice = await world.InvoiceAsync("stripe_two", fee: 1000m);
        // One device opened a session for 1000; a transfer of 400 makes the next click open one for 600.
        var first = (await StripePayLinkTests.OpenAsync(world, invoice.PayToken!)).Headers.Location.ToString().Split('/')[^1];
        Assert.Equal(201, (await world.PayAsync(invoice.Id, """{"amount":400,"method":"transfer","transactionId":"stripe-two-1"}""")).Status);
        var second = (await StripePayLinkTests.OpenAsync(world, invoice.PayToken!)).Headers.Location.ToString().Split('/')[^1];
        Assert.Equal(60_000L, stripe.Created[^1].AmountMinor);

        // The payer on the second device pays 600, then the first device's 1000 goes through before Stripe expired it.
        Assert.Equal("APPLIED", (await DeliverAsync(world, Session(invoice, "pi_two_b", 60_000).ObjectId(second))).Json.GetProperty("state").GetString());
        Assert.Null((await world.ReloadAsync(invoice.Id)).ReviewReason);
        Assert.Equal("APPLIED", (await DeliverAsync(world, Session(invoice, "pi_two_a", 100_000).ObjectId(first))).Json.GetProperty("state").GetString());
        var paid = await world.ReloadAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Paid, 0m, "1000.00 RON paid (pi_two_a) when 0.00 RON was due: 1000.00 RON became client credit."),
            (paid.Status, paid.AmountDue, paid.ReviewReason));
        await using (var db = database.CreateContext())
        {
            Assert.Equal([CheckoutSessionStatus.Complete, CheckoutSessionStatus.Complete],
                await db.StripeCheckoutSessions.Where(s => s.InvoiceId == invoice.Id).Select(s => s.Status).ToListAsync());
        }

        // The operator's CLI lists it (exit 1 while any waits), then nothing once cleared.
        var cli = new Cli.CliRunner(database, world.Scenario.Clock);
        var listed = await cli.RunAsync("invoices", "list", "--review", "--client", "stripe_two");
        Assert.Equal(1, listed.ExitCode);
        Assert.Contains("1000.00 RON became client credit", listed.Out);

        // Looked at (the client keeps the credit, or the agency refunds it in Stripe): an admin clears the flag, audited.
        Assert.Equal(204, (await world.SendAsync("DELETE", $"/api/invoices/{invoice.Id}/review")).Status);
        Assert.Null((await world.ReloadAsync(invoice.Id)).ReviewReason);
        Assert.Equal(204, (await world.SendAsync("DELETE", $"/api/invoices/{invoice.Id}/review")).Status);
        Assert.Equal(404, (await world.SendAsync("DELETE", $"/api/invoices/{Guid.NewGuid()}/review")).Status);
        var history = (await world.SendAsync("GET", $"/api/invoices/{invoice.Id}/history")).Json.GetProperty("items").EnumerateArray().ToList();
        Assert.Single(history, h => h.GetProperty("action").GetString() == "reviewed");
        Assert.DoesNotContain((await world.SendAsync("GET", "/api/invoices?review=true")).Json.GetProperty("items").EnumerateArray(),
            i => i.GetProperty("id").GetGuid() == invoice.Id);
        Assert.Equal(0, (await cli.RunAsync("invoices", "list", "--review", "--client", "stripe_two")).ExitCode);
    }

    [Fact]
    public async Task A_session_still_open_when_a_card_payment_settles_the_invoice_is_expired_through_the_outbox()
    {
        var stripe = new FakeStripe();
        await using var world = await StripeTesting.WorldAsync(database, stripe);
        var invoice = await world.InvoiceAsync("stripe_expire", fee: 700m);
        var open = (await StripePayLinkTests.OpenAsync(world, invoice.PayToken!)).Headers.Location.ToString().Split('/')[^1];
        // Paid through a session created elsewhere (an operator's): ours is left open, and must not take the money again.
        await DeliverAsync(world, Session(invoice, "pi_expire", 70_000));
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Billing.Domain.Outbox.OutboxDispatcher>().RunAsync(default);
        }
        Assert.Equal([open], stripe.Expired);
        await using var db = database.CreateContext();
        Assert.Equal(CheckoutSessionStatus.Expired, (await db.StripeCheckoutSessions.SingleAsync(s => s.Id == open)).Status);
    }

    [Fact]
    public async Task A_refund_the_rules_cannot_record_or_one_stripe_reports_failed_later_flags_the_invoice_and_is_listed_for_review()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_refund_review", fee: 500m);
        await DeliverAsync(world, Succeeded(invoice, "pi_review", 50_000));

        var tooMuch = await DeliverAsync(world, Refund("pi_review", "re_review_big", 60_000));
        Assert.Equal("REVIEW", tooMuch.Json.GetProperty("state").GetString());
        Assert.Contains("Only 500", tooMuch.Json.GetProperty("detail").GetString());
        Assert.DoesNotContain(await PaymentsOfAsync(invoice.Id), p => p.RefundOf is not null);
        Assert.Contains("re_review_big", (await world.ReloadAsync(invoice.Id)).ReviewReason);

        Assert.Equal("APPLIED", (await DeliverAsync(world, Refund("pi_review", "re_review_1", 10_000))).Json.GetProperty("state").GetString());
        var failed = await DeliverAsync(world, Refund("pi_review", "re_review_1", 10_000, status: "failed", eventId: "evt_re_review_1_failed")
            .Set(e => e["type"] = "refund.updated"));
        Assert.Equal("REVIEW", failed.Json.GetProperty("state").GetString());
        Assert.Contains("the money came back", (await world.ReloadAsync(invoice.Id)).ReviewReason);

        var waiting = await DeliverAsync(world, Refund("pi_review_never", "re_review_orphan", 1_000));
        var review = (await world.SendAsync("GET", $"/api/stripe/events?state=REVIEW&invoiceId={invoice.Id}")).Json.GetProperty("items");
        Assert.Equal(["evt_re_review_1_failed", "evt_re_review_big"], review.EnumerateArray().Select(e => e.GetProperty("id").GetString()).Order());
        var listed = (await world.SendAsync("GET", "/api/stripe/events?state=WAITING")).Json.GetProperty("items").EnumerateArray();
        Assert.Contains(listed, e => e.GetProperty("id").GetString() == "evt_re_review_orphan"
            && e.GetProperty("paymentIntentId").GetString() == "pi_review_never");
        Assert.Equal(400, (await world.SendAsync("GET", "/api/stripe/events?state=LOST")).Status);
        Assert.Equal("WAITING", waiting.Json.GetProperty("state").GetString());
    }

    [Fact]
    public async Task With_the_database_down_a_signed_event_gets_503_with_retry_after_so_stripe_delivers_it_again()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_down", fee: 100m);
        var settings = StripeTesting.Settings;
        settings["ConnectionStrings:Billing"] = "Host=127.0.0.1;Port=1;Database=billing;Username=x;Password=y;Timeout=2";
        await using var down = database.CreateServices(world.Scenario.Clock, settings);
        var body = Succeeded(invoice, "pi_down", 10_000).Body;
        var answer = await SendAsync(down, body, Sign(body, StripeTesting.WebhookSecret, world.Scenario.Clock.GetUtcNow()));
        Assert.Equal(503, answer.Status);
        Assert.False(string.IsNullOrEmpty(answer.Headers.RetryAfter.ToString()));
        Assert.Empty(await PaymentsOfAsync(invoice.Id));
    }

    [Fact]
    public async Task Unknown_events_and_payments_of_no_invoice_of_ours_get_200_and_write_nothing()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_unknown", fee: 100m);
        int Count(BillingDbContextCounts c) => c.Events + c.Payments;
        var before = await CountsAsync();

        var customer = await DeliverAsync(world, StripeEventBody.From("customer.created.json"));
        Assert.Equal((200, false), (customer.Status, customer.Json.GetProperty("stored").GetBoolean()));
        var foreign = Succeeded(invoice, "pi_foreign", 10_000).Set(e => e["data"]!["object"]!["metadata"] = new JsonObject { ["order"] = "shop-17" });
        var notOurs = await DeliverAsync(world, foreign);
        Assert.Equal((200, false), (notOurs.Status, notOurs.Json.GetProperty("stored").GetBoolean()));
        Assert.Equal(Count(before), Count(await CountsAsync()));
        Assert.Equal(InvoiceStatus.Pending, (await world.ReloadAsync(invoice.Id)).Status);
    }

    [Fact]
    public async Task Metadata_naming_an_invoice_that_does_not_exist_is_stored_for_review_not_a_500()
    {
        await using var world = await StripeTesting.WorldAsync(database, new FakeStripe());
        var invoice = await world.InvoiceAsync("stripe_ghost", fee: 100m);
        var ghost = new JsonObject { ["invoiceId"] = Guid.NewGuid().ToString(), ["invoiceNumber"] = "VAI-1999-000001", ["clientId"] = "gone" };
        var paid = await DeliverAsync(world, Succeeded(invoice, "pi_ghost", 10_000).Set(e => e["data"]!["object"]!["metadata"] = ghost.DeepClone()));
        Assert.Equal((200, "REVIEW"), (paid.Status, paid.Json.GetProperty("state").GetString()));
        Assert.Contains("does not exist", paid.Json.GetProperty("detail").GetString());
        var failed = await DeliverAsync(world, StripeEventBody.From("payment_intent.payment_failed.json").Intent("pi_ghost_failed").Id("evt_ghost_failed")
            .Set(e => e["data"]!["object"]!["metadata"] = ghost.DeepClone()));
        Assert.Equal((200, "NOTED"), (failed.Status, failed.Json.GetProperty("state").GetString()));
        var unpaid = await DeliverAsync(world, Session(invoice, "pi_ghost_unpaid", 10_000).Set(e =>
        {
            e["data"]!["object"]!["metadata"] = ghost.DeepClone();
            e["data"]!["object"]!["payment_status"] = "unpaid";
        }));
        Assert.Equal((200, "NOTED"), (unpaid.Status, unpaid.Json.GetProperty("state").GetString()));
        Assert.Null((await EventAsync("evt_ok_pi_ghost"))!.InvoiceId);
        Assert.Empty(await PaymentsOfAsync(invoice.Id));
    }

    private sealed record BillingDbContextCounts(int Events, int Payments);

    private async Task<BillingDbContextCounts> CountsAsync()
    {
        await using var db = database.CreateContext();
        return new BillingDbContextCounts(await db.StripeEvents.CountAsync(), await db.Payments.CountAsync());
    }
}
