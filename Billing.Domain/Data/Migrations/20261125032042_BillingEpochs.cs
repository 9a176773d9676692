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
            migrationBuilder.Sql(global::Billing.Domain.Data.BillingEpochs.CreateTable);
            migrationBuilder.Sql("""INSERT INTO "BillingEpoch" ("current") VALUES (1);""");
            migrationBuilder.Sql(global::Billing.Domain.Data.BillingEpochs.CreateTrigger);

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

            migrationBuilder.Sql(global::Billing.Domain.Data.BillingEpochs.CreateBilledByView);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Going back loses which invoice billed each call: the old column comes back empty.
            migrationBuilder.Sql(global::Billing.Domain.Data.BillingEpochs.Drop);

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
