using Npgsql;

namespace Billing.Domain.Data;

/// <summary>
/// Billing epochs tell a billed call from a late one without writing to the calls (docs/decisions/0008). Every usage
/// row carries the epoch that was current when it became billable (complete and attributed), stamped by a trigger
/// under a shared advisory lock, so every writer (webhook, reconciliation, attribution, raw SQL) follows the rule.
/// The cycle closes an epoch under the exclusive lock, which waits for writers still holding the old one, then bills
/// the calls of epochs up to it: that set is complete and can no longer grow. The table "BillingEpoch", the stamping
/// triggers on "UsageLog" and "Factura" (an invoice inserted by hand closes an epoch as a run does) and the view
/// "UsageLogInvoice" are created by the migrations BillingEpochs and StampHandMadeInvoices, whose SQL is written out
/// there (frozen history); a change to them is a new migration.
/// </summary>
public static class BillingEpochs
{
    /// <summary>The advisory lock key writers share and a close takes exclusively ("Epoch").</summary>
    public const long LockKey = 0x45_706F_6368;

    /// <summary>Closes the current epoch in its own short transaction and returns it; calls of later epochs bill later.</summary>
    public static async Task<long> CloseAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var wait = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await wait.ExecuteNonQueryAsync(ct);
        }
        await using var bump = new NpgsqlCommand("""UPDATE "BillingEpoch" SET "current" = "current" + 1 RETURNING "current" - 1""",
            connection, transaction);
        var closed = (long)(await bump.ExecuteScalarAsync(ct))!;
        await transaction.CommitAsync(ct);
        return closed;
    }
}
