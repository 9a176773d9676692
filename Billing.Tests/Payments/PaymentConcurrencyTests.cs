using Billing.Domain.Audit;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Payments;

/// <summary>Money moving at once on one invoice is applied one change after the other (the invoice row is locked).</summary>
public sealed class PaymentConcurrencyTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Twenty_parallel_payments_that_together_pay_an_invoice_mark_it_paid_once_and_lose_none()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("race_twenty", fee: 1000m);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            RecordAsync(world, new PaymentService.NewPayment(invoice.Id, 50m, null, PaymentMethod.Transfer, PaymentStatus.Completed, $"race-{i}", null)))));

        Assert.All(results, r => Assert.Equal(PaymentService.Outcome.Recorded, r));
        var paid = await world.ReloadAsync(invoice.Id);
        Assert.Equal((InvoiceStatus.Paid, 1000m, 0m), (paid.Status, paid.AmountPaid, paid.AmountDue));
        await using var db = database.CreateContext();
        Assert.Equal(20, await db.Payments.CountAsync(p => p.InvoiceId == invoice.Id));
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Entity == AuditEntities.Invoice && a.InvoiceId == invoice.Id && a.Action == "status"));
        // A twenty-first would pay more than is due, and this client takes no credit.
        Assert.Equal(PaymentService.Outcome.Refused, await RecordAsync(world,
            new PaymentService.NewPayment(invoice.Id, 50m, null, PaymentMethod.Transfer, PaymentStatus.Completed, "race-20", null)));
    }

    [Fact]
    public async Task A_refund_racing_a_payment_never_leaves_a_wrong_status()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        for (var round = 0; round < 5; round++)
        {
            var invoice = await world.InvoiceAsync($"race_refund_{round}", fee: 1000m);
            var first = await RecordPaymentAsync(world, new PaymentService.NewPayment(invoice.Id, 600m, null, PaymentMethod.Card,
                PaymentStatus.Completed, null, null));

            var pay = Task.Run(() => RecordAsync(world, new PaymentService.NewPayment(invoice.Id, 400m, null, PaymentMethod.Transfer,
                PaymentStatus.Completed, null, null)));
            var refund = Task.Run(async () =>
            {
                await using var scope = world.Scenario.Services.CreateAsyncScope();
                return (await scope.ServiceProvider.GetRequiredService<PaymentService>()
                    .RefundAsync(new PaymentService.NewRefund(first.Id, 600m, "race", null), Actor.System, default)).Outcome;
            });
            Assert.Equal([PaymentService.Outcome.Recorded, PaymentService.Outcome.Recorded], await Task.WhenAll(pay, refund));

            // Whichever came first, 600 + 400 − 600 is paid and 600 is due; the invoice went PAID and back at most once each.
            var after = await world.ReloadAsync(invoice.Id);
            Assert.Equal((InvoiceStatus.Pending, 400m, 600m, null), (after.Status, after.AmountPaid, after.AmountDue, after.PaidAt));
        }
    }

    private static async Task<PaymentService.Outcome> RecordAsync(PaymentWorld world, PaymentService.NewPayment payment) =>
        (await RecordPaymentOutcomeAsync(world, payment)).Outcome;

    private static async Task<Payment> RecordPaymentAsync(PaymentWorld world, PaymentService.NewPayment payment) =>
        (await RecordPaymentOutcomeAsync(world, payment)).Payment!;

    private static async Task<PaymentService.Result> RecordPaymentOutcomeAsync(PaymentWorld world, PaymentService.NewPayment payment)
    {
        await using var scope = world.Scenario.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PaymentService>().RecordAsync(payment, Actor.System, default);
    }
}
