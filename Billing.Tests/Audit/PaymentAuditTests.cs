using System.Text.Json;
using Billing.Domain.Audit;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Audit;

/// <summary>A recorded payment, and the invoice it pays, each leave an audit row written with the change.</summary>
public sealed class PaymentAuditTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task A_payment_that_covers_an_invoice_audits_the_payment_and_the_status_change()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("audit_payer");
        await scenario.RunAsync("2025-12-01T12:00:00Z", "audit_payer");
        var invoice = Assert.Single(await scenario.InvoicesAsync("audit_payer"), i => i.Period == "2025-11");

        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<PaymentService>().RecordAsync(new PaymentService.NewPayment(
                invoice.Id, invoice.Total, invoice.Currency, PaymentMethod.Transfer, PaymentStatus.Completed, "bank-audit-1", null),
                Actor.Cli("ana"), default);
            Assert.Equal(PaymentService.Outcome.Recorded, result.Outcome);
        }

        await using var read = scenario.Services.CreateAsyncScope();
        var history = await read.ServiceProvider.GetRequiredService<AuditHistory>().ForInvoiceAsync(invoice.Id, agencyView: true, default);
        Assert.Collection(history,
            payment =>
            {
                Assert.Equal(("cli:ana", AuditEntities.Payment, "created"), (payment.Actor, payment.Entity, payment.Action));
                Assert.Null(payment.Before);
                Assert.Equal(invoice.Total, JsonDocument.Parse(payment.After!).RootElement.GetProperty("amount").GetDecimal());
            },
            status =>
            {
                Assert.Equal((AuditEntities.Invoice, invoice.Id.ToString(), "status"), (status.Entity, status.EntityId, status.Action));
                Assert.Equal("Pending", JsonDocument.Parse(status.Before!).RootElement.GetProperty("status").GetString());
                Assert.Equal(nameof(InvoiceStatus.Paid), JsonDocument.Parse(status.After!).RootElement.GetProperty("status").GetString());
                Assert.Equal("audit_payer", status.ClientId);
            });
        Assert.Equal(2, (await read.ServiceProvider.GetRequiredService<AuditHistory>().ForClientAsync("audit_payer", agencyView: true, default)).Count);
    }
}
