using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class BillingEpochs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The SQL this migration ran, written out: a migration is frozen history and reads no live constant.
            // Calls stamped 1 are counted by the next close; calls already marked billed get 0, which every
            // existing invoice (epoch 0) counted, so they never turn late.
            migrationBuilder.AddColumn<long>(
                name: "billingEpoch",
                table: "UsageLog",
                type: "bigint",
                nullable: false,
                defaultValue: 1L);

            migrationBuilder.AddColumn<long>(
                name: "usageEpoch",
                table: "Factura",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "usageFrom",
                table: "Factura",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "usageTo",
                table: "Factura",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.Sql("""
                ALTER TABLE "UsageLog" DISABLE TRIGGER "UsageLog_touch_updatedAt";
                UPDATE "UsageLog" SET "billingEpoch" = 0 WHERE "facturaId" IS NOT NULL;
                ALTER TABLE "UsageLog" ENABLE TRIGGER "UsageLog_touch_updatedAt";
                ALTER TABLE "UsageLog" ALTER COLUMN "billingEpoch" SET DEFAULT 0;
                ALTER TABLE "Factura" DISABLE TRIGGER "Factura_touch_updatedAt";
                UPDATE "Factura" f SET "usageEpoch" = 0,
                    "usageFrom" = f."periodStart"::timestamp AT TIME ZONE c."timeZone",
                    "usageTo" = f."periodEnd"::timestamp AT TIME ZONE c."timeZone"
                FROM "Client" c WHERE c."clientId" = f."clientId" AND f."periodStart" IS NOT NULL AND f."periodEnd" IS NOT NULL;
                ALTER TABLE "Factura" ENABLE TRIGGER "Factura_touch_updatedAt";
                """);
            migrationBuilder.Sql("""
                CREATE TABLE "BillingEpoch" (
                    "id" int PRIMARY KEY DEFAULT 1 CHECK ("id" = 1),
                    "current" bigint NOT NULL);
                """);
            migrationBuilder.Sql("""INSERT INTO "BillingEpoch" ("current") VALUES (1);""");
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION billing_stamp_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' OR (NEW."clientId" IS NOT NULL AND NOT NEW."incomplete"
                                            AND (OLD."clientId" IS NULL OR OLD."incomplete")) THEN
                        PERFORM pg_advisory_xact_lock_shared(298239091560);
                        SELECT "current" INTO NEW."billingEpoch" FROM "BillingEpoch";
                    ELSE
                        NEW."billingEpoch" := OLD."billingEpoch";
                    END IF;
                    RETURN NEW;
                END
                $$;
                CREATE TRIGGER "UsageLog_stamp_billingEpoch" BEFORE INSERT OR UPDATE ON "UsageLog"
                    FOR EACH ROW EXECUTE FUNCTION billing_stamp_epoch();
                """);

            migrationBuilder.DropForeignKey(
                name: "FK_UsageLog_Factura_facturaId",
                table: "UsageLog");

            migrationBuilder.DropIndex(
                name: "IX_UsageLog_facturaId",
                table: "UsageLog");

            migrationBuilder.DropIndex(
                name: "IX_UsageLog_unbilled",
                table: "UsageLog");

            migrationBuilder.DropColumn(
                name: "facturaId",
                table: "UsageLog");

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_late",
                table: "UsageLog",
                columns: new[] { "clientId", "billingEpoch", "occurredAt" },
                filter: "NOT \"incomplete\"");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_billedBy",
                table: "Factura",
                columns: new[] { "clientId", "usageEpoch", "usageTo" });

            migrationBuilder.Sql("""
                CREATE VIEW "UsageLogInvoice" AS
                SELECT u."id" AS "usageLogId", u."callId",
                       (SELECT f."id" FROM "Factura" f
                        WHERE f."clientId" = u."clientId" AND f."usageEpoch" >= u."billingEpoch" AND f."usageTo" > u."occurredAt"
                        ORDER BY f."usageEpoch", f."usageTo" LIMIT 1) AS "facturaId"
                FROM "UsageLog" u
                WHERE u."clientId" IS NOT NULL AND NOT u."incomplete"
                  AND u."occurredAt" >= (SELECT f."usageFrom" FROM "Factura" f WHERE f."clientId" = u."clientId" ORDER BY f."perioada" LIMIT 1);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Going back loses which invoice billed each call: the old column comes back empty.
            migrationBuilder.Sql("""
                DROP VIEW IF EXISTS "UsageLogInvoice";
                DROP TRIGGER IF EXISTS "UsageLog_stamp_billingEpoch" ON "UsageLog";
                DROP FUNCTION IF EXISTS billing_stamp_epoch();
                DROP TABLE IF EXISTS "BillingEpoch";
                """);

            migrationBuilder.DropIndex(
                name: "IX_UsageLog_late",
                table: "UsageLog");

            migrationBuilder.DropIndex(
                name: "IX_Factura_billedBy",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "billingEpoch",
                table: "UsageLog");

            migrationBuilder.DropColumn(
                name: "usageEpoch",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "usageFrom",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "usageTo",
                table: "Factura");

            migrationBuilder.AddColumn<Guid>(
                name: "facturaId",
                table: "UsageLog",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_facturaId",
                table: "UsageLog",
                column: "facturaId");

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_unbilled",
                table: "UsageLog",
                columns: new[] { "clientId", "occurredAt" },
                filter: "\"facturaId\" IS NULL AND NOT \"incomplete\"");

            migrationBuilder.AddForeignKey(
                name: "FK_UsageLog_Factura_facturaId",
                table: "UsageLog",
                column: "facturaId",
                principalTable: "Factura",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }
    }
}
