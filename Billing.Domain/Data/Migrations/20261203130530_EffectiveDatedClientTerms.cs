using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class EffectiveDatedClientTerms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "minuteRounding",
                table: "Factura",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "taxaLunara",
                table: "Factura",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "termsFrom",
                table: "Factura",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "timeZone",
                table: "Factura",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ClientTerms",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    effectiveFrom = table.Column<DateOnly>(type: "date", nullable: false),
                    taxaLunara = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    costPerMinut = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    includedMinutes = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    minuteRounding = table.Column<string>(type: "text", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    timeZone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClientTerms", x => x.id);
                    table.CheckConstraint("CK_ClientTerms_costPerMinut_non_negative", "\"costPerMinut\" >= 0");
                    table.CheckConstraint("CK_ClientTerms_currency", "\"currency\" ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("CK_ClientTerms_includedMinutes_non_negative", "\"includedMinutes\" >= 0");
                    table.CheckConstraint("CK_ClientTerms_minuteRounding", "\"minuteRounding\" IN ('per_minute', 'per_second', 'exact')");
                    table.CheckConstraint("CK_ClientTerms_taxaLunara_non_negative", "\"taxaLunara\" >= 0");
                    table.ForeignKey(
                        name: "FK_ClientTerms_Client_clientId",
                        column: x => x.clientId,
                        principalTable: "Client",
                        principalColumn: "clientId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.AddCheckConstraint(
                name: "CK_Factura_minuteRounding",
                table: "Factura",
                sql: "\"minuteRounding\" IN ('per_minute', 'per_second', 'exact')");

            migrationBuilder.CreateIndex(
                name: "IX_ClientTerms_clientId_effectiveFrom",
                table: "ClientTerms",
                columns: new[] { "clientId", "effectiveFrom" },
                unique: true);

            // Written out here, not shared with code: a migration is frozen history.
            // Every client's first terms row: its current terms, from the start of its first period (the period
            // containing its billing start, or the local day it was created). Issued invoices are left as they are.
            migrationBuilder.Sql("""
                CREATE FUNCTION billing_first_period_start(d date, billing_day int) RETURNS date
                    LANGUAGE sql IMMUTABLE STRICT AS $$
                    SELECT CASE WHEN extract(day FROM d) >= billing_day
                                THEN make_date(extract(year FROM d)::int, extract(month FROM d)::int, billing_day)
                                ELSE (make_date(extract(year FROM d)::int, extract(month FROM d)::int, billing_day) - interval '1 month')::date
                           END
                    $$;
                INSERT INTO "ClientTerms" ("clientId", "effectiveFrom", "taxaLunara", "costPerMinut", "includedMinutes", "minuteRounding",
                    "currency", "timeZone")
                SELECT c."clientId",
                       billing_first_period_start(COALESCE(c."billingStartDate", (c."createdAt" AT TIME ZONE c."timeZone")::date), c."billingDay"),
                       c."taxaLunara", c."costPerMinut", c."includedMinutes", c."minuteRounding", c."currency", c."timeZone"
                FROM "Client" c;
                -- A client inserted by any means (the API, the CLI, an import's raw SQL) gets its first row the same way.
                CREATE FUNCTION billing_client_first_terms() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO "ClientTerms" ("clientId", "effectiveFrom", "taxaLunara", "costPerMinut", "includedMinutes", "minuteRounding",
                        "currency", "timeZone")
                    VALUES (NEW."clientId",
                            billing_first_period_start(COALESCE(NEW."billingStartDate", (NEW."createdAt" AT TIME ZONE NEW."timeZone")::date), NEW."billingDay"),
                            NEW."taxaLunara", NEW."costPerMinut", NEW."includedMinutes", NEW."minuteRounding", NEW."currency", NEW."timeZone");
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER "Client_first_terms" AFTER INSERT ON "Client"
                    FOR EACH ROW EXECUTE FUNCTION billing_client_first_terms();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS "Client_first_terms" ON "Client";
                DROP FUNCTION IF EXISTS billing_client_first_terms();
                DROP FUNCTION IF EXISTS billing_first_period_start(date, int);
                """);
            migrationBuilder.DropTable(
                name: "ClientTerms");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Factura_minuteRounding",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "minuteRounding",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "taxaLunara",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "termsFrom",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "timeZone",
                table: "Factura");
        }
    }
}
