using System.Text.Json;
using Billing.Domain.Audit;
using Billing.Domain.Data;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Billing.Tests.Audit;

/// <summary>The writer API other features call, and the table's append-only guard, on a real database.</summary>
public sealed class AuditTrailTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;

    public ValueTask InitializeAsync()
    {
        _services = database.CreateServices(_clock);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task A_recorded_change_is_written_by_the_callers_save_with_who_when_what_and_why()
    {
        var invoiceId = Guid.NewGuid();
        var keyId = Guid.NewGuid();
        await using (var scope = _services.CreateAsyncScope())
        {
            var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
            audit.Record(Actor.ApiKey(keyId), AuditEntities.Invoice, invoiceId.ToString(),
                new { Status = "PENDING" }, new { Status = "PAID", AmountDue = 0m }, "status",
                clientId: "audit_client", invoiceId: invoiceId, reason: " paid by transfer ");
            await scope.ServiceProvider.GetRequiredService<BillingDbContext>().SaveChangesAsync();
        }

        var history = await HistoryAsync(h => h.ForInvoiceAsync(invoiceId, agencyView: true, default));

        var row = Assert.Single(history);
        Assert.Equal($"key:{keyId}", row.Actor);
        Assert.Equal(_clock.GetUtcNow(), row.OccurredAt);
        Assert.Equal(("invoice", invoiceId.ToString(), "status"), (row.Entity, row.EntityId, row.Action));
        Assert.Equal("PENDING", JsonDocument.Parse(row.Before!).RootElement.GetProperty("status").GetString());
        Assert.Equal(0m, JsonDocument.Parse(row.After!).RootElement.GetProperty("amountDue").GetDecimal());
        Assert.Equal("paid by transfer", row.Reason);
        Assert.Single(await HistoryAsync(h => h.ForClientAsync("audit_client", agencyView: true, default)));
    }

    [Fact]
    public async Task A_change_rolled_back_leaves_no_audit_row()
    {
        var invoiceId = Guid.NewGuid();
        await using (var scope = _services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BillingDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            scope.ServiceProvider.GetRequiredService<AuditTrail>().Record(Actor.System, AuditEntities.Invoice,
                invoiceId.ToString(), null, new { Status = "OVERDUE" }, "status", invoiceId: invoiceId);
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        Assert.Empty(await HistoryAsync(h => h.ForInvoiceAsync(invoiceId, agencyView: true, default)));
    }

    [Theory]
    [InlineData("UPDATE \"AuditLog\" SET \"reason\" = 'rewritten'")]
    [InlineData("DELETE FROM \"AuditLog\"")]
    [InlineData("TRUNCATE \"AuditLog\"")]
    public async Task Even_the_tables_owner_cannot_rewrite_or_remove_audit_rows(string statement)
    {
        var clientId = $"owner_{Guid.NewGuid():N}";
        await using (var scope = _services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<AuditTrail>().Record(Actor.Cli("maria"), AuditEntities.Client,
                clientId, new { PricePerMinute = 0.5m }, new { PricePerMinute = 0.6m }, "terms", clientId: clientId);
            await scope.ServiceProvider.GetRequiredService<BillingDbContext>().SaveChangesAsync();
        }
        await using var connection = await database.OpenConnectionAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var command = new NpgsqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync();
        });

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        var row = Assert.Single(await HistoryAsync(h => h.ForClientAsync(clientId, agencyView: true, default)));
        Assert.Null(row.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("someone")]
    [InlineData("key:not-a-key-id")]
    public async Task An_actor_outside_the_four_kinds_is_refused_by_the_table(string actor)
    {
        await using var db = database.CreateContext();
        db.AuditEntries.Add(new AuditEntry
        {
            OccurredAt = _clock.GetUtcNow(),
            Actor = actor,
            Entity = AuditEntities.Payment,
            EntityId = "x",
            Action = "created",
            After = "{}",
        });

        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        Assert.Equal(PostgresErrorCodes.CheckViolation, Assert.IsType<PostgresException>(refused.InnerException).SqlState);
    }

    private async Task<List<AuditRecord>> HistoryAsync(Func<AuditHistory, Task<List<AuditRecord>>> read)
    {
        await using var scope = _services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<AuditHistory>());
    }
}
