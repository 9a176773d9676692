using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddCreditNotes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Factura_clientId_perioada",
                table: "Factura");

            migrationBuilder.AddColumn<decimal>(
                name: "creditedAmount",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            // A stored generated column's expression cannot be altered before PostgreSQL 17: dropped and added again
            // (with its check), so amountDue = total − credit notes − amountPaid − creditApplied.
            migrationBuilder.Sql("""
                ALTER TABLE "Factura" DROP CONSTRAINT "CK_Factura_amountDue_non_negative";
                ALTER TABLE "Factura" DROP COLUMN "amountDue";
                ALTER TABLE "Factura" ADD COLUMN "amountDue" numeric(12,2) NOT NULL
                    GENERATED ALWAYS AS ("totalDePlata" - "creditedAmount" - "amountPaid" - "creditApplied") STORED;
                ALTER TABLE "Factura" ADD CONSTRAINT "CK_Factura_amountDue_non_negative" CHECK ("amountDue" >= 0);
                """);

            migrationBuilder.CreateTable(
                name: "CreditNote",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    facturaId = table.Column<Guid>(type: "uuid", nullable: false),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    reason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    issueDate = table.Column<DateOnly>(type: "date", nullable: false),
                    issuedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    netAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    vatAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    grossAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    vatAmountRon = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: true),
                    content = table.Column<byte[]>(type: "bytea", nullable: true),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    findings = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'[]'::jsonb"),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CreditNote", x => x.id);
                    table.CheckConstraint("CK_CreditNote_currency", "\"currency\" ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("CK_CreditNote_grossAmount", "\"grossAmount\" > 0 AND \"netAmount\" + \"vatAmount\" = \"grossAmount\"");
                    table.CheckConstraint("CK_CreditNote_netAmount_non_negative", "\"netAmount\" >= 0");
                    table.CheckConstraint("CK_CreditNote_outcome", "CASE WHEN \"content\" IS NULL THEN \"sha256\" IS NULL AND jsonb_array_length(\"findings\") > 0 ELSE \"sha256\" IS NOT NULL AND jsonb_array_length(\"findings\") = 0 END");
                    table.CheckConstraint("CK_CreditNote_sha256", "\"sha256\" IS NULL OR \"sha256\" ~ '^[0-9a-f]{64}$'");
                    table.CheckConstraint("CK_CreditNote_vatAmount_non_negative", "\"vatAmount\" >= 0");
                    table.CheckConstraint("CK_CreditNote_vatAmountRon_non_negative", "\"vatAmountRon\" >= 0");
                    table.ForeignKey(
                        name: "FK_CreditNote_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "CreditNoteLine",
                columns: table => new
                {
                    creditNoteId = table.Column<Guid>(type: "uuid", nullable: false),
                    lineNo = table.Column<int>(type: "integer", nullable: false),
                    invoiceLine = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    description = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    net = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    vatCategory = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    vatRate = table.Column<decimal>(type: "numeric(5,2)", precision: 5, scale: 2, nullable: false),
                    periodStart = table.Column<DateOnly>(type: "date", nullable: true),
                    periodEnd = table.Column<DateOnly>(type: "date", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CreditNoteLine", x => new { x.creditNoteId, x.lineNo });
                    table.CheckConstraint("CK_CreditNoteLine_amount", "\"amount\" > 0");
                    table.CheckConstraint("CK_CreditNoteLine_net_non_negative", "\"net\" >= 0");
                    table.CheckConstraint("CK_CreditNoteLine_vatCategory", "\"vatCategory\" IN ('S', 'O', 'AE')");
                    table.ForeignKey(
                        name: "FK_CreditNoteLine_CreditNote_creditNoteId",
                        column: x => x.creditNoteId,
                        principalTable: "CreditNote",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "CreditNoteVatBreakdown",
                columns: table => new
                {
                    creditNoteId = table.Column<Guid>(type: "uuid", nullable: false),
                    category = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    ratePercent = table.Column<decimal>(type: "numeric(5,2)", precision: 5, scale: 2, nullable: false),
                    netAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    vatAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    exemptionReasonCode = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                    exemptionReason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CreditNoteVatBreakdown", x => new { x.creditNoteId, x.category, x.ratePercent });
                    table.CheckConstraint("CK_CreditNoteVatBreakdown_category", "\"category\" IN ('S', 'O', 'AE')");
                    table.CheckConstraint("CK_CreditNoteVatBreakdown_netAmount_non_negative", "\"netAmount\" >= 0");
                    table.CheckConstraint("CK_CreditNoteVatBreakdown_vatAmount_non_negative", "\"vatAmount\" >= 0");
                    table.ForeignKey(
                        name: "FK_CreditNoteVatBreakdown_CreditNote_creditNoteId",
                        column: x => x.creditNoteId,
                        principalTable: "CreditNote",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_clientId_perioada",
                table: "Factura",
                columns: new[] { "clientId", "perioada" },
                unique: true,
                filter: "\"status\" <> 'CANCELLED'");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_creditedAmount",
                table: "Factura",
                sql: "\"creditedAmount\" <= \"totalDePlata\"");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_creditedAmount_non_negative",
                table: "Factura",
                sql: "\"creditedAmount\" >= 0");

            migrationBuilder.CreateIndex(
                name: "IX_CreditNote_clientId_issueDate",
                table: "CreditNote",
                columns: new[] { "clientId", "issueDate" });

            migrationBuilder.CreateIndex(
                name: "IX_CreditNote_facturaId",
                table: "CreditNote",
                column: "facturaId");

            migrationBuilder.CreateIndex(
                name: "IX_CreditNote_number",
                table: "CreditNote",
                column: "number",
                unique: true);

            // A credit note is a fiscal document as issued: never changed or removed, nor its lines and breakdowns.
            migrationBuilder.Sql("""
                CREATE FUNCTION billing_credit_note_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'A credit note is stored as issued and never changes (% on %)', TG_OP, TG_TABLE_NAME
                        USING ERRCODE = 'integrity_constraint_violation';
                END $$;
                CREATE TRIGGER "CreditNote_frozen" BEFORE UPDATE OR DELETE ON "CreditNote"
                    FOR EACH ROW EXECUTE FUNCTION billing_credit_note_frozen();
                CREATE TRIGGER "CreditNoteLine_frozen" BEFORE UPDATE OR DELETE ON "CreditNoteLine"
                    FOR EACH ROW EXECUTE FUNCTION billing_credit_note_frozen();
                CREATE TRIGGER "CreditNoteVatBreakdown_frozen" BEFORE UPDATE OR DELETE ON "CreditNoteVatBreakdown"
                    FOR EACH ROW EXECUTE FUNCTION billing_credit_note_frozen();
                """);

            // Which invoice billed a call: a period invoiced again after a full credit is billed by the new invoice.
            migrationBuilder.Sql("""
                CREATE OR REPLACE VIEW "UsageLogInvoice" AS
                SELECT u."id" AS "usageLogId", u."callId",
                       (SELECT f."id" FROM "Factura" f
                        WHERE f."clientId" = u."clientId" AND f."usageEpoch" >= u."billingEpoch" AND f."usageTo" > u."occurredAt"
                        ORDER BY f."usageEpoch", f."usageTo", f."status" = 'CANCELLED' LIMIT 1) AS "facturaId"
                FROM "UsageLog" u
                WHERE u."clientId" IS NOT NULL AND NOT u."incomplete"
                  AND u."occurredAt" >= (SELECT f."usageFrom" FROM "Factura" f WHERE f."clientId" = u."clientId" ORDER BY f."perioada" LIMIT 1);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CreditNoteLine");

            migrationBuilder.DropTable(
                name: "CreditNoteVatBreakdown");

            migrationBuilder.DropTable(
                name: "CreditNote");

            migrationBuilder.Sql("DROP FUNCTION billing_credit_note_frozen();");
            migrationBuilder.Sql("""
                CREATE OR REPLACE VIEW "UsageLogInvoice" AS
                SELECT u."id" AS "usageLogId", u."callId",
                       (SELECT f."id" FROM "Factura" f
                        WHERE f."clientId" = u."clientId" AND f."usageEpoch" >= u."billingEpoch" AND f."usageTo" > u."occurredAt"
                        ORDER BY f."usageEpoch", f."usageTo" LIMIT 1) AS "facturaId"
                FROM "UsageLog" u
                WHERE u."clientId" IS NOT NULL AND NOT u."incomplete"
                  AND u."occurredAt" >= (SELECT f."usageFrom" FROM "Factura" f WHERE f."clientId" = u."clientId" ORDER BY f."perioada" LIMIT 1);
                """);

            migrationBuilder.DropIndex(
                name: "IX_Factura_clientId_perioada",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_creditedAmount",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_creditedAmount_non_negative",
                table: "Factura");

            migrationBuilder.Sql("""
                ALTER TABLE "Factura" DROP CONSTRAINT "CK_Factura_amountDue_non_negative";
                ALTER TABLE "Factura" DROP COLUMN "amountDue";
                ALTER TABLE "Factura" ADD COLUMN "amountDue" numeric(12,2) NOT NULL
                    GENERATED ALWAYS AS ("totalDePlata" - "amountPaid" - "creditApplied") STORED;
                ALTER TABLE "Factura" ADD CONSTRAINT "CK_Factura_amountDue_non_negative" CHECK ("amountDue" >= 0);
                """);

            migrationBuilder.DropColumn(
                name: "creditedAmount",
                table: "Factura");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_clientId_perioada",
                table: "Factura",
                columns: new[] { "clientId", "perioada" },
                unique: true);
        }
    }
}
