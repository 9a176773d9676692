using Npgsql;

namespace Billing.Domain.Data;

/// <summary>
/// Billing epochs tell a billed call from a late one without writing to the calls (docs/decisions/0008). Every usage
/// row carries the epoch that was current when it became billable (complete and attributed), stamped by a trigger
/// under a shared advisory lock, so every writer (webhook, reconciliation, attribution, raw SQL) follows the rule.
/// The cycle closes an epoch under the exclusive lock, which waits for writers still holding the old one, then bills
/// the calls of epochs up to it: that set is complete and can no longer grow.
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

    internal const string CreateTable = """
        CREATE TABLE "BillingEpoch" (
            "id" int PRIMARY KEY DEFAULT 1 CHECK ("id" = 1),
            "current" bigint NOT NULL);
        """;

    /// <summary>
    /// Stamps a row when it is inserted and when it first becomes billable (completed, or attributed to a client);
    /// any other update keeps its epoch, so a billed call can never turn into a late one. The lock is taken before
    /// the epoch is read: in READ COMMITTED the read then sees a close that committed while this writer waited.
    /// </summary>
    internal static readonly string CreateTrigger = $$"""
        CREATE OR REPLACE FUNCTION billing_stamp_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' OR (NEW."clientId" IS NOT NULL AND NOT NEW."incomplete"
                                    AND (OLD."clientId" IS NULL OR OLD."incomplete")) THEN
                PERFORM pg_advisory_xact_lock_shared({{LockKey}});
                SELECT "current" INTO NEW."billingEpoch" FROM "BillingEpoch";
            ELSE
                NEW."billingEpoch" := OLD."billingEpoch";
            END IF;
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER "UsageLog_stamp_billingEpoch" BEFORE INSERT OR UPDATE ON "UsageLog"
            FOR EACH ROW EXECUTE FUNCTION billing_stamp_epoch();
        """;

    /// <summary>
    /// Which invoice billed each call, for audits and for SQL users who joined on the old "facturaId" column: the
    /// invoice of its period if that invoice counted its epoch, else the first later invoice that did (as late usage).
    /// Calls before the client's first invoiced period are never billed.
    /// </summary>
    internal const string CreateBilledByView = """
        CREATE VIEW "UsageLogInvoice" AS
        SELECT u."id" AS "usageLogId", u."callId",
               (SELECT f."id" FROM "Factura" f
                WHERE f."clientId" = u."clientId" AND f."usageEpoch" >= u."billingEpoch" AND f."usageTo" > u."occurredAt"
                ORDER BY f."usageEpoch", f."usageTo" LIMIT 1) AS "facturaId"
        FROM "UsageLog" u
        WHERE u."clientId" IS NOT NULL AND NOT u."incomplete"
          AND u."occurredAt" >= (SELECT f."usageFrom" FROM "Factura" f WHERE f."clientId" = u."clientId" ORDER BY f."perioada" LIMIT 1);
        """;

    internal const string Drop = """
        DROP VIEW IF EXISTS "UsageLogInvoice";
        DROP TRIGGER IF EXISTS "UsageLog_stamp_billingEpoch" ON "UsageLog";
        DROP FUNCTION IF EXISTS billing_stamp_epoch();
        DROP TABLE IF EXISTS "BillingEpoch";
        """;

    /// <summary>
    /// An invoice inserted without an epoch (by hand or by the original workflow's SQL) closes the current epoch as a
    /// billing run does and counts it: the calls recorded so far are the ones its author could have billed, later ones
    /// bill as late usage on the client's next invoice. Without it every call since the migration would count as
    /// late there. Its usage window comes from its period (the key, the client's billing day and time zone). All such
    /// invoices of one transaction share one epoch. Call recording waits for the inserting transaction to end, so such
    /// transactions must be short.
    /// </summary>
    internal static readonly string CreateInvoiceTrigger = $$"""
        CREATE FUNCTION billing_stamp_invoice_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            closed bigint := nullif(current_setting('billing.invoice_epoch', true), '')::bigint;
            period_start date;
            zone text;
        BEGIN
            -- Once per transaction: an import of many invoices closes one epoch, not one per row.
            IF closed IS NULL THEN
                PERFORM pg_advisory_xact_lock({{LockKey}});
                UPDATE "BillingEpoch" SET "current" = "current" + 1 RETURNING "current" - 1 INTO closed;
                PERFORM set_config('billing.invoice_epoch', closed::text, true);
            END IF;
            NEW."usageEpoch" := closed;
            -- A malformed period is left to the table's check, which names it.
            SELECT COALESCE(NEW."periodStart", CASE WHEN NEW."perioada" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'
                                                    THEN to_date(NEW."perioada", 'YYYY-MM') + (c."billingDay" - 1) END),
                   c."timeZone"
            INTO period_start, zone
            FROM "Client" c WHERE c."clientId" = NEW."clientId";
            NEW."usageFrom" := COALESCE(NEW."usageFrom", period_start::timestamp AT TIME ZONE zone);
            NEW."usageTo" := COALESCE(NEW."usageTo", COALESCE(NEW."periodEnd"::timestamp, period_start + interval '1 month') AT TIME ZONE zone);
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER "Factura_stamp_usageEpoch" BEFORE INSERT ON "Factura"
            FOR EACH ROW WHEN (NEW."usageEpoch" IS NULL) EXECUTE FUNCTION billing_stamp_invoice_epoch();
        """;

    internal const string DropInvoiceTrigger = """
        DROP TRIGGER IF EXISTS "Factura_stamp_usageEpoch" ON "Factura";
        DROP FUNCTION IF EXISTS billing_stamp_invoice_epoch();
        """;
}
