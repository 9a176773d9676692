using System.Text.Json;
using Billing.Domain.Audit;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Payments;

/// <summary>A payment's life: pending, completed or failed, refunded; the invoice's amountDue and status follow the money.</summary>
public sealed class PaymentLifecycleTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task A_pending_transfer_completes_and_pays_the_invoice_and_every_other_transition_is_409_naming_the_allowed_ones()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("life_pending");

        var pending = await world.PayAsync(invoice.Id, """{"amount":1000,"method":"transfer","status":"Pending","reference":"VAI 2025"}""");
        Assert.Equal(201, pending.Status);
        Assert.Equal("PENDING", pending.Json.GetProperty("status").GetString());
        var paymentId = pending.Json.GetProperty("id").GetString();
        Assert.Equal("1000.00", (await world.InvoiceViewAsync(invoice.Id)).GetProperty("amountDue").GetString());

        var completed = await world.SendAsync("PATCH", $"/api/payments/{paymentId}", """{"status":"COMPLETED"}""");
        Assert.Equal(200, completed.Status);
        Assert.Equal("COMPLETED", completed.Json.GetProperty("status").GetString());
        var paid = await world.InvoiceViewAsync(invoice.Id);
        Assert.Equal(("PAID", "0.00", "1000.00"), (paid.GetProperty("status").GetString(), paid.GetProperty("amountDue").GetString(),
            paid.GetProperty("amountPaid").GetString()));

        // Asking again for the state it has changes nothing; anything else is refused with the allowed transitions.
        Assert.Equal(200, (await world.SendAsync("PATCH", $"/api/payments/{paymentId}", """{"status":"COMPLETED"}""")).Status);
        var refused = await world.SendAsync("PATCH", $"/api/payments/{paymentId}", """{"status":"FAILED"}""");
        Assert.Equal(409, refused.Status);
        Assert.Contains("allowed: none", refused.Json.GetProperty("detail").GetString());
        Assert.Contains("refunds", refused.Json.GetProperty("detail").GetString());

        var second = await world.PayAsync(invoice.Id, """{"amount":10,"method":"card","status":"PENDING"}""");
        var secondId = second.Json.GetProperty("id").GetString();
        var toPending = await world.SendAsync("PATCH", $"/api/payments/{secondId}", """{"status":"REFUNDED"}""");
        Assert.Equal(409, toPending.Status);
        Assert.Contains("allowed: COMPLETED, FAILED", toPending.Json.GetProperty("detail").GetString());
        Assert.Equal(200, (await world.SendAsync("PATCH", $"/api/payments/{secondId}", """{"status":"FAILED","reason":"card declined"}""")).Status);
        Assert.Equal(409, (await world.SendAsync("PATCH", $"/api/payments/{secondId}", """{"status":"COMPLETED"}""")).Status);
        Assert.Equal(404, (await world.SendAsync("PATCH", $"/api/payments/{Guid.NewGuid()}", """{"status":"COMPLETED"}""")).Status);
        Assert.Equal(400, (await world.SendAsync("PATCH", $"/api/payments/{secondId}", """{"status":"DONE"}""")).Status);

        await using var db = database.CreateContext();
        var trail = await db.AuditEntries.Where(a => a.InvoiceId == invoice.Id).OrderBy(a => a.Id).Select(a => a.Entity + "/" + a.Action).ToListAsync();
        Assert.Equal(["payment/created", "payment/status", "invoice/status", "payment/created", "payment/status"], trail);
    }

    [Fact]
    public async Task A_refund_is_a_new_row_the_payment_stays_completed_and_the_reopened_invoice_is_overdue_past_its_due_date()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("life_refund");
        var payment = await world.PayAsync(invoice.Id, """{"amount":1000,"method":"transfer","transactionId":"bank-refund-1"}""");
        var paymentId = payment.Json.GetProperty("id").GetString();
        world.Scenario.Clock.SetUtcNow(DateTimeOffset.Parse("2026-01-10T08:00:00Z"));

        var refund = await world.SendAsync("POST", $"/api/payments/{paymentId}/refunds", """{"amount":250.50,"reason":"two calls billed twice"}""");
        Assert.Equal(201, refund.Status);
        Assert.Equal(("REFUNDED", paymentId, "250.50"), (refund.Json.GetProperty("status").GetString(), refund.Json.GetProperty("refundOf").GetString(),
            refund.Json.GetProperty("amount").GetString()));
        var reopened = await world.InvoiceViewAsync(invoice.Id);
        Assert.Equal(("OVERDUE", "250.50", null), (reopened.GetProperty("status").GetString(), reopened.GetProperty("amountDue").GetString(),
            reopened.GetProperty("paidAt").GetString()));
        await using (var db = database.CreateContext())
        {
            Assert.Equal(PaymentStatus.Completed, (await db.Payments.SingleAsync(p => p.Id == Guid.Parse(paymentId!))).Status);
        }

        var tooMuch = await world.SendAsync("POST", $"/api/payments/{paymentId}/refunds", """{"amount":749.51}""");
        Assert.Equal(422, tooMuch.Status);
        Assert.Contains("749.50", tooMuch.Json.GetProperty("errors").GetProperty("amount")[0].GetString());
        var ofRefund = await world.SendAsync("POST", $"/api/payments/{refund.Json.GetProperty("id").GetString()}/refunds", """{"amount":1}""");
        Assert.Equal(409, ofRefund.Status);
        Assert.Equal(422, (await world.SendAsync("POST", $"/api/payments/{paymentId}/refunds", """{"amount":0}""")).Status);

        // Paying what the refund reopened pays the invoice again.
        Assert.Equal(201, (await world.PayAsync(invoice.Id, """{"amount":250.50,"method":"cash"}""")).Status);
        Assert.Equal(InvoiceStatus.Paid, (await world.ReloadAsync(invoice.Id)).Status);
    }

    [Fact]
    public async Task A_wrong_currency_a_non_positive_amount_an_overpayment_and_a_cancelled_invoice_are_422_and_write_nothing()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("life_refused");
        await using var db = database.CreateContext();
        var auditBefore = await db.AuditEntries.CountAsync();

        foreach (var (body, field) in new[]
        {
            ("""{"amount":100,"currency":"EUR","method":"transfer"}""", "currency"),
            ("""{"amount":0,"method":"transfer"}""", "amount"),
            ("""{"amount":-5,"method":"transfer"}""", "amount"),
            ("""{"amount":10.005,"method":"transfer"}""", "amount"),
            ("""{"amount":1000.01,"method":"transfer"}""", "amount"),
        })
        {
            var response = await world.PayAsync(invoice.Id, body);
            Assert.Equal(422, response.Status);
            Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), $"{body}: {response.Body}");
        }
        await db.Invoices.Where(i => i.Id == invoice.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InvoiceStatus.Cancelled));
        Assert.Equal(422, (await world.PayAsync(invoice.Id, """{"amount":10,"method":"cash"}""")).Status);
        Assert.Equal(404, (await world.PayAsync(Guid.NewGuid(), """{"amount":10,"method":"cash"}""")).Status);

        Assert.Equal(0, await db.Payments.CountAsync(p => p.InvoiceId == invoice.Id));
        Assert.Equal(auditBefore, await db.AuditEntries.CountAsync());
        Assert.Equal(0m, (await world.ReloadAsync(invoice.Id)).AmountPaid);
    }

    [Fact]
    public async Task With_allowCredit_an_overpayment_becomes_client_credit_that_the_next_invoice_consumes_and_a_refund_takes_back()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("life_credit", fee: 500m, allowCredit: true);
        var october = (await world.Scenario.InvoicesAsync("life_credit")).Single(i => i.Period == "2025-10");

        var over = await world.PayAsync(invoice.Id, """{"amount":800,"method":"transfer"}""");
        Assert.Equal(201, over.Status);
        var paid = await world.ReloadAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Paid, 500m, 0m), (paid.Status, paid.AmountPaid, paid.AmountDue));
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            var payments = scope.ServiceProvider.GetRequiredService<PaymentService>();
            Assert.Equal(300m, await payments.CreditBalanceAsync("life_credit", "RON", default));
            Assert.Equal(new Dictionary<string, decimal> { ["RON"] = 300m }, await payments.CreditsAsync("life_credit", default));
        }

        // The next cycle gives the credit to the oldest open invoice as prepaid, never as a negative line: its total stays.
        await world.Scenario.RunAsync("2026-01-01T12:00:00Z", "life_credit");
        var prepaid = await world.ReloadAsync(october.Id);
        Assert.Equal((500m, 300m, 200m, InvoiceStatus.Overdue), (prepaid.Total, prepaid.CreditApplied, prepaid.AmountDue, prepaid.Status));
        var december = (await world.Scenario.InvoicesAsync("life_credit")).Single(i => i.Period == "2025-12");
        Assert.Equal((0m, 500m), (december.CreditApplied, december.AmountDue));
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            Assert.Equal(0m, await scope.ServiceProvider.GetRequiredService<PaymentService>().CreditBalanceAsync("life_credit", "RON", default));
        }

        // The credit is used: refunding the whole 800 would take back credit that is gone.
        var overId = over.Json.GetProperty("id").GetString();
        Assert.Equal(422, (await world.SendAsync("POST", $"/api/payments/{overId}/refunds", """{"amount":800}""")).Status);
        Assert.Equal(201, (await world.SendAsync("POST", $"/api/payments/{overId}/refunds", """{"amount":500}""")).Status);
        Assert.Equal((InvoiceStatus.Pending, 500m), ((await world.ReloadAsync(invoice.Id)).Status, (await world.ReloadAsync(invoice.Id)).AmountDue));

        await using var db = database.CreateContext();
        Assert.Equal(["credited", "debited"], await db.AuditEntries.Where(a => a.Entity == AuditEntities.ClientCredit && a.ClientId == "life_credit")
            .OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
    }
}
