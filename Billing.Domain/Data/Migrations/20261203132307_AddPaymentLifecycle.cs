using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddPaymentLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "reason",
                table: "PaymentTransaction",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "reference",
                table: "PaymentTransaction",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "refundOf",
                table: "PaymentTransaction",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "amountPaid",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "creditApplied",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<bool>(
                name: "allowCredit",
                table: "Client",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<decimal>(
                name: "amountDue",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: false,
                computedColumnSql: "\"totalDePlata\" - \"amountPaid\" - \"creditApplied\"",
                stored: true);

            // Invoices paid before payments were tracked as money: PAID ones are fully paid; others keep what their
            // completed payments cover (never more than the total; the excess was never credit).
            migrationBuilder.Sql("""
                UPDATE "Factura" f SET "amountPaid" = CASE WHEN f."status" = 'PAID' THEN f."totalDePlata"
                    ELSE LEAST(f."totalDePlata", COALESCE((SELECT sum(p."amount") FROM "PaymentTransaction" p
                        WHERE p."facturaId" = f."id" AND p."status" = 'COMPLETED'), 0)) END
                WHERE f."status" = 'PAID' OR EXISTS (SELECT 1 FROM "PaymentTransaction" p WHERE p."facturaId" = f."id" AND p."status" = 'COMPLETED');
                """);

            migrationBuilder.CreateTable(
                name: "ClientCredit",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    paymentId = table.Column<Guid>(type: "uuid", nullable: true),
                    invoiceId = table.Column<Guid>(type: "uuid", nullable: true),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClientCredit", x => x.id);
                    table.CheckConstraint("CK_ClientCredit_amount", "\"amount\" <> 0");
                    table.CheckConstraint("CK_ClientCredit_currency", "\"currency\" ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("CK_ClientCredit_source", "(\"paymentId\" IS NULL) <> (\"invoiceId\" IS NULL)");
                    table.ForeignKey(
                        name: "FK_ClientCredit_Factura_invoiceId",
                        column: x => x.invoiceId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ClientCredit_PaymentTransaction_paymentId",
                        column: x => x.paymentId,
                        principalTable: "PaymentTransaction",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "IdempotencyKey",
                columns: table => new
                {
                    apiKeyId = table.Column<Guid>(type: "uuid", nullable: false),
                    key = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    fingerprint = table.Column<byte[]>(type: "bytea", nullable: false),
                    status = table.Column<int>(type: "integer", nullable: false),
                    contentType = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    body = table.Column<string>(type: "text", nullable: false),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IdempotencyKey", x => new { x.apiKeyId, x.key });
                });

            migrationBuilder.CreateIndex(
                name: "IX_PaymentTransaction_refundOf",
                table: "PaymentTransaction",
                column: "refundOf",
                filter: "\"refundOf\" IS NOT NULL");

            migrationBuilder.AddCheckConstraint(
                name: "CK_PaymentTransaction_refund",
                table: "PaymentTransaction",
                sql: "\"refundOf\" IS NULL OR \"status\" = 'REFUNDED'");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_amountDue_non_negative",
                table: "Factura",
                sql: "\"amountDue\" >= 0");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_amountPaid_non_negative",
                table: "Factura",
                sql: "\"amountPaid\" >= 0");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_creditApplied_non_negative",
                table: "Factura",
                sql: "\"creditApplied\" >= 0");

            migrationBuilder.CreateIndex(
                name: "IX_ClientCredit_clientId_currency",
                table: "ClientCredit",
                columns: new[] { "clientId", "currency" });

            migrationBuilder.CreateIndex(
                name: "IX_ClientCredit_invoiceId",
                table: "ClientCredit",
                column: "invoiceId",
                filter: "\"invoiceId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ClientCredit_paymentId",
                table: "ClientCredit",
                column: "paymentId",
                filter: "\"paymentId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_IdempotencyKey_createdAt",
                table: "IdempotencyKey",
                column: "createdAt");

            migrationBuilder.AddForeignKey(
                name: "FK_PaymentTransaction_PaymentTransaction_refundOf",
                table: "PaymentTransaction",
                column: "refundOf",
                principalTable: "PaymentTransaction",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_PaymentTransaction_PaymentTransaction_refundOf",
                table: "PaymentTransaction");

            migrationBuilder.DropTable(
                name: "ClientCredit");

            migrationBuilder.DropTable(
                name: "IdempotencyKey");

            migrationBuilder.DropIndex(
                name: "IX_PaymentTransaction_refundOf",
                table: "PaymentTransaction");

            migrationBuilder.DropCheckConstraint(
                name: "CK_PaymentTransaction_refund",
                table: "PaymentTransaction");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_amountDue_non_negative",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_amountPaid_non_negative",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_creditApplied_non_negative",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "amountDue",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "reason",
                table: "PaymentTransaction");

            migrationBuilder.DropColumn(
                name: "reference",
                table: "PaymentTransaction");

            migrationBuilder.DropColumn(
                name: "refundOf",
                table: "PaymentTransaction");

            migrationBuilder.DropColumn(
                name: "amountPaid",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "creditApplied",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "allowCredit",
                table: "Client");
        }
    }
}
