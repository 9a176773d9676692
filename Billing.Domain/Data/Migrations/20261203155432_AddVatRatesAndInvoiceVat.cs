using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddVatRatesAndInvoiceVat : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Factura_revenue",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_totalDePlata",
                table: "Factura");

            migrationBuilder.AddColumn<decimal>(
                name: "net",
                table: "InvoiceLateUsage",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "taxPoint",
                table: "InvoiceLateUsage",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "vatRate",
                table: "InvoiceLateUsage",
                type: "numeric(5,2)",
                precision: 5,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "fixedFeeNet",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "grossAmount",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "issueDate",
                table: "Factura",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "minutesNet",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<string[]>(
                name: "missingFields",
                table: "Factura",
                type: "text[]",
                nullable: false,
                defaultValueSql: "ARRAY['vat']::text[]");

            migrationBuilder.AddColumn<decimal>(
                name: "netAmount",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "priceBasis",
                table: "Factura",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "taxPoint",
                table: "Factura",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "vatAmount",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "vatAmountRon",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "vatCategory",
                table: "Factura",
                type: "character varying(2)",
                maxLength: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "vatExchangeRate",
                table: "Factura",
                type: "numeric(12,6)",
                precision: 12,
                scale: 6,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "vatExchangeRateDate",
                table: "Factura",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "vatRate",
                table: "Factura",
                type: "numeric(5,2)",
                precision: 5,
                scale: 2,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "InvoiceParty",
                columns: table => new
                {
                    facturaId = table.Column<Guid>(type: "uuid", nullable: false),
                    role = table.Column<string>(type: "text", nullable: false),
                    legalName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    fiscalCode = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                    vatId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    tradeRegisterNumber = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    street = table.Column<string>(type: "character varying(150)", maxLength: 150, nullable: true),
                    city = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    county = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    postalCode = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    country = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    phone = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                    iban = table.Column<string>(type: "character varying(34)", maxLength: 34, nullable: true),
                    bank = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    vatOnReceipt = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InvoiceParty", x => new { x.facturaId, x.role });
                    table.CheckConstraint("CK_InvoiceParty_role", "\"role\" IN ('seller', 'buyer')");
                    table.ForeignKey(
                        name: "FK_InvoiceParty_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "InvoiceVatBreakdown",
                columns: table => new
                {
                    facturaId = table.Column<Guid>(type: "uuid", nullable: false),
                    category = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    ratePercent = table.Column<decimal>(type: "numeric(5,2)", precision: 5, scale: 2, nullable: false),
                    netAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    vatAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    grossAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    exemptionReasonCode = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                    exemptionReason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InvoiceVatBreakdown", x => new { x.facturaId, x.category, x.ratePercent });
                    table.CheckConstraint("CK_InvoiceVatBreakdown_category", "\"category\" IN ('S', 'O', 'AE')");
                    table.CheckConstraint("CK_InvoiceVatBreakdown_gross", "\"netAmount\" + \"vatAmount\" = \"grossAmount\"");
                    table.CheckConstraint("CK_InvoiceVatBreakdown_grossAmount_non_negative", "\"grossAmount\" >= 0");
                    table.CheckConstraint("CK_InvoiceVatBreakdown_netAmount_non_negative", "\"netAmount\" >= 0");
                    table.CheckConstraint("CK_InvoiceVatBreakdown_rate", "\"ratePercent\" >= 0 AND \"ratePercent\" < 100 AND (\"category\" = 'S' OR (\"ratePercent\" = 0 AND \"vatAmount\" = 0))");
                    table.CheckConstraint("CK_InvoiceVatBreakdown_vatAmount_non_negative", "\"vatAmount\" >= 0");
                    table.ForeignKey(
                        name: "FK_InvoiceVatBreakdown_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "VatRate",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kind = table.Column<string>(type: "text", nullable: false),
                    percent = table.Column<decimal>(type: "numeric(5,2)", precision: 5, scale: 2, nullable: false),
                    validFrom = table.Column<DateOnly>(type: "date", nullable: false),
                    validTo = table.Column<DateOnly>(type: "date", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VatRate", x => x.id);
                    table.CheckConstraint("CK_VatRate_kind", "\"kind\" IN ('standard', 'reduced')");
                    table.CheckConstraint("CK_VatRate_percent", "\"percent\" >= 0 AND \"percent\" < 100");
                    table.CheckConstraint("CK_VatRate_validity", "\"validTo\" IS NULL OR \"validTo\" >= \"validFrom\"");
                });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_not_exportable",
                table: "Factura",
                columns: new[] { "createdAt", "id" },
                filter: "cardinality(\"missingFields\") > 0");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_revenue",
                table: "Factura",
                column: "perioada")
                .Annotation("Npgsql:IndexInclude", new[] { "status", "currency", "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata", "netAmount", "vatAmount" });

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_grossAmount_non_negative",
                table: "Factura",
                sql: "\"grossAmount\" >= 0");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_netAmount_non_negative",
                table: "Factura",
                sql: "\"netAmount\" >= 0");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_priceBasis",
                table: "Factura",
                sql: "\"priceBasis\" IS NULL OR \"priceBasis\" IN ('net', 'gross')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_totalDePlata",
                table: "Factura",
                sql: "CASE WHEN \"grossAmount\" IS NULL THEN \"totalDePlata\" = \"costMinute\" + \"taxaFixa\" + \"lateUsageAmount\" ELSE \"totalDePlata\" = \"grossAmount\" AND \"netAmount\" + \"vatAmount\" = \"grossAmount\" AND \"costMinute\" + \"taxaFixa\" + \"lateUsageAmount\" = CASE \"priceBasis\" WHEN 'gross' THEN \"grossAmount\" ELSE \"netAmount\" END END");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_vat_complete",
                table: "Factura",
                sql: "(\"netAmount\" IS NULL) = (\"vatAmount\" IS NULL) AND (\"vatAmount\" IS NULL) = (\"grossAmount\" IS NULL) AND (\"grossAmount\" IS NULL OR (\"priceBasis\" IS NOT NULL AND \"vatCategory\" IS NOT NULL AND \"vatRate\" IS NOT NULL AND \"fixedFeeNet\" IS NOT NULL AND \"minutesNet\" IS NOT NULL))");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_vatAmount_non_negative",
                table: "Factura",
                sql: "\"vatAmount\" >= 0");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_vatAmountRon_non_negative",
                table: "Factura",
                sql: "\"vatAmountRon\" >= 0");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_vatCategory",
                table: "Factura",
                sql: "\"vatCategory\" IS NULL OR \"vatCategory\" IN ('S', 'O', 'AE')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_vatRate",
                table: "Factura",
                sql: "\"vatRate\" IS NULL OR (\"vatRate\" >= 0 AND \"vatRate\" < 100 AND (\"vatCategory\" = 'S' OR \"vatRate\" = 0))");

            migrationBuilder.CreateIndex(
                name: "IX_VatRate_kind_validFrom",
                table: "VatRate",
                columns: new[] { "kind", "validFrom" },
                unique: true);

            // Hand-written (re-add when regenerating): the breakdowns and the line nets sum to the invoice's totals (BR-CO-10/14
            // on our columns), checked once per statement over the rows it touched. A CHECK cannot see other tables.
            migrationBuilder.Sql("""
                CREATE FUNCTION billing_assert_invoice_vat(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
                DECLARE bad record;
                BEGIN
                  SELECT f."id", f."netAmount", f."vatAmount", b.net, b.vat, l.net AS lines_net INTO bad
                  FROM "Factura" f
                  CROSS JOIN LATERAL (SELECT COALESCE(sum(x."netAmount"), 0) AS net, COALESCE(sum(x."vatAmount"), 0) AS vat
                                      FROM "InvoiceVatBreakdown" x WHERE x."facturaId" = f."id") b
                  CROSS JOIN LATERAL (SELECT f."fixedFeeNet" + f."minutesNet" + COALESCE(sum(x."net"), 0) AS net,
                                             count(*) FILTER (WHERE x."net" IS NULL) AS unset
                                      FROM "InvoiceLateUsage" x WHERE x."facturaId" = f."id") l
                  WHERE f."id" = ANY(ids) AND f."netAmount" IS NOT NULL
                    AND (b.net <> f."netAmount" OR b.vat <> f."vatAmount" OR l.net <> f."netAmount" OR l.unset > 0)
                  LIMIT 1;
                  IF FOUND THEN
                    RAISE EXCEPTION 'Invoice %: VAT breakdowns (net %, VAT %) and line nets (%) must sum to its net % and VAT %',
                      bad."id", bad.net, bad.vat, bad.lines_net, bad."netAmount", bad."vatAmount"
                      USING ERRCODE = 'check_violation', CONSTRAINT = 'CK_Factura_vat_breakdown';
                  END IF;
                END $$;
                CREATE FUNCTION billing_check_invoice_vat() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  PERFORM billing_assert_invoice_vat(ARRAY(SELECT "id" FROM changed));
                  RETURN NULL;
                END $$;
                CREATE FUNCTION billing_check_invoice_lines_vat() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  PERFORM billing_assert_invoice_vat(ARRAY(SELECT DISTINCT "facturaId" FROM changed));
                  RETURN NULL;
                END $$;
                CREATE TRIGGER "Factura_vat_insert" AFTER INSERT ON "Factura" REFERENCING NEW TABLE AS changed
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_check_invoice_vat();
                CREATE TRIGGER "Factura_vat_update" AFTER UPDATE ON "Factura" REFERENCING NEW TABLE AS changed
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_check_invoice_vat();
                CREATE TRIGGER "InvoiceVatBreakdown_vat_insert" AFTER INSERT ON "InvoiceVatBreakdown" REFERENCING NEW TABLE AS changed
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_check_invoice_lines_vat();
                CREATE TRIGGER "InvoiceVatBreakdown_vat_update" AFTER UPDATE ON "InvoiceVatBreakdown" REFERENCING NEW TABLE AS changed
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_check_invoice_lines_vat();
                CREATE TRIGGER "InvoiceVatBreakdown_vat_delete" AFTER DELETE ON "InvoiceVatBreakdown" REFERENCING OLD TABLE AS changed
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_check_invoice_lines_vat();
                CREATE TRIGGER "InvoiceLateUsage_vat_insert" AFTER INSERT ON "InvoiceLateUsage" REFERENCING NEW TABLE AS changed
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_check_invoice_lines_vat();
                CREATE TRIGGER "InvoiceLateUsage_vat_update" AFTER UPDATE ON "InvoiceLateUsage" REFERENCING NEW TABLE AS changed
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_check_invoice_lines_vat();
                CREATE TRIGGER "InvoiceLateUsage_vat_delete" AFTER DELETE ON "InvoiceLateUsage" REFERENCING OLD TABLE AS changed
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_check_invoice_lines_vat();
                """);
            // Invoices issued before VAT was computed took "missingFields" = {vat} from the column's default: not exportable.
            migrationBuilder.Sql("""
                INSERT INTO "VatRate" ("kind", "percent", "validFrom", "validTo") VALUES
                  ('standard', 19, DATE '2017-01-01', DATE '2025-07-31'),
                  ('standard', 21, DATE '2025-08-01', NULL),
                  ('reduced', 11, DATE '2025-08-01', NULL)
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS "Factura_vat_insert" ON "Factura";
                DROP TRIGGER IF EXISTS "Factura_vat_update" ON "Factura";
                DROP TRIGGER IF EXISTS "InvoiceLateUsage_vat_insert" ON "InvoiceLateUsage";
                DROP TRIGGER IF EXISTS "InvoiceLateUsage_vat_update" ON "InvoiceLateUsage";
                DROP TRIGGER IF EXISTS "InvoiceLateUsage_vat_delete" ON "InvoiceLateUsage";
                DROP TRIGGER IF EXISTS "InvoiceVatBreakdown_vat_insert" ON "InvoiceVatBreakdown";
                DROP TRIGGER IF EXISTS "InvoiceVatBreakdown_vat_update" ON "InvoiceVatBreakdown";
                DROP TRIGGER IF EXISTS "InvoiceVatBreakdown_vat_delete" ON "InvoiceVatBreakdown";
                DROP FUNCTION IF EXISTS billing_check_invoice_vat();
                DROP FUNCTION IF EXISTS billing_check_invoice_lines_vat();
                DROP FUNCTION IF EXISTS billing_assert_invoice_vat(uuid[]);
                """);
            migrationBuilder.DropTable(
                name: "InvoiceParty");

            migrationBuilder.DropTable(
                name: "InvoiceVatBreakdown");

            migrationBuilder.DropTable(
                name: "VatRate");

            migrationBuilder.DropIndex(
                name: "IX_Factura_not_exportable",
                table: "Factura");

            migrationBuilder.DropIndex(
                name: "IX_Factura_revenue",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_grossAmount_non_negative",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_netAmount_non_negative",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_priceBasis",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_totalDePlata",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_vat_complete",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_vatAmount_non_negative",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_vatAmountRon_non_negative",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_vatCategory",
                table: "Factura");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_vatRate",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "net",
                table: "InvoiceLateUsage");

            migrationBuilder.DropColumn(
                name: "taxPoint",
                table: "InvoiceLateUsage");

            migrationBuilder.DropColumn(
                name: "vatRate",
                table: "InvoiceLateUsage");

            migrationBuilder.DropColumn(
                name: "fixedFeeNet",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "grossAmount",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "issueDate",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "minutesNet",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "missingFields",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "netAmount",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "priceBasis",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "taxPoint",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "vatAmount",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "vatAmountRon",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "vatCategory",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "vatExchangeRate",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "vatExchangeRateDate",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "vatRate",
                table: "Factura");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_revenue",
                table: "Factura",
                column: "perioada")
                .Annotation("Npgsql:IndexInclude", new[] { "status", "currency", "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata" });

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_totalDePlata",
                table: "Factura",
                sql: "\"totalDePlata\" = \"costMinute\" + \"taxaFixa\" + \"lateUsageAmount\"");
        }
    }
}
