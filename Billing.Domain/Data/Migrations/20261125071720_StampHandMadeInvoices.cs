using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class StampHandMadeInvoices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The SQL this migration ran, written out: a migration is frozen history and reads no live constant.
            // Invoices already present keep a null epoch (0: they predate the epochs, like the calls stamped 0).
            migrationBuilder.Sql("""
                CREATE FUNCTION billing_stamp_invoice_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    closed bigint := nullif(current_setting('billing.invoice_epoch', true), '')::bigint;
                    period_start date;
                    zone text;
                BEGIN
                    -- Once per transaction: an import of many invoices closes one epoch, not one per row.
                    IF closed IS NULL THEN
                        PERFORM pg_advisory_xact_lock(298239091560);
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
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS "Factura_stamp_usageEpoch" ON "Factura";
                DROP FUNCTION IF EXISTS billing_stamp_invoice_epoch();
                """);
        }
    }
}
