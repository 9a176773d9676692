using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddIssuerAndBuyerDetails : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "billingEmail",
                table: "Client",
                type: "character varying(320)",
                maxLength: 320,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "city",
                table: "Client",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "country",
                table: "Client",
                type: "character varying(2)",
                maxLength: 2,
                nullable: false,
                defaultValue: "RO");

            migrationBuilder.AddColumn<string>(
                name: "county",
                table: "Client",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "fiscalCode",
                table: "Client",
                type: "character varying(30)",
                maxLength: 30,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "legalName",
                table: "Client",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "postalCode",
                table: "Client",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "priceBasis",
                table: "Client",
                type: "text",
                nullable: false,
                defaultValue: "net");

            migrationBuilder.AddColumn<string>(
                name: "street",
                table: "Client",
                type: "character varying(150)",
                maxLength: 150,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tradeRegisterNumber",
                table: "Client",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Issuer",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    legalName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    fiscalCode = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    vatPayer = table.Column<bool>(type: "boolean", nullable: false),
                    vatOnReceipt = table.Column<bool>(type: "boolean", nullable: false),
                    vatExemptionReason = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    tradeRegisterNumber = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    street = table.Column<string>(type: "character varying(150)", maxLength: 150, nullable: false),
                    city = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    county = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    postalCode = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    country = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    iban = table.Column<string>(type: "character varying(34)", maxLength: 34, nullable: false),
                    bank = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    phone = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                    updatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Issuer", x => x.id);
                    table.CheckConstraint("CK_Issuer_country", "\"country\" = 'RO'");
                    table.CheckConstraint("CK_Issuer_fiscalCode", "\"fiscalCode\" ~ '^[1-9][0-9]{1,9}$'");
                    table.CheckConstraint("CK_Issuer_single_row", "\"id\" = 1");
                    table.CheckConstraint("CK_Issuer_vatOnReceipt", "NOT \"vatOnReceipt\" OR \"vatPayer\"");
                });

            migrationBuilder.AddCheckConstraint(
                name: "CK_Client_country",
                table: "Client",
                sql: "\"country\" ~ '^[A-Z]{2}$'");

            migrationBuilder.AddCheckConstraint(
                name: "CK_Client_priceBasis",
                table: "Client",
                sql: "\"priceBasis\" IN ('net', 'gross')");

            // Hand-written (re-add when regenerating): "updatedAt" kept by the shared trigger function, as on every table.
            migrationBuilder.Sql("CREATE TRIGGER \"Issuer_touch_updatedAt\" BEFORE UPDATE ON \"Issuer\" FOR EACH ROW EXECUTE FUNCTION billing_touch_updated_at();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Issuer");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Client_country",
                table: "Client");

            migrationBuilder.DropCheckConstraint(
                name: "CK_Client_priceBasis",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "billingEmail",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "city",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "country",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "county",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "fiscalCode",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "legalName",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "postalCode",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "priceBasis",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "street",
                table: "Client");

            migrationBuilder.DropColumn(
                name: "tradeRegisterNumber",
                table: "Client");
        }
    }
}
