using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddStripePayLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "payToken",
                table: "Factura",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValueSql: "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')");

            migrationBuilder.CreateTable(
                name: "StripeCheckoutSession",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    facturaId = table.Column<Guid>(type: "uuid", nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    expiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StripeCheckoutSession", x => x.id);
                    table.CheckConstraint("CK_StripeCheckoutSession_amount", "\"amount\" > 0");
                    table.CheckConstraint("CK_StripeCheckoutSession_currency", "\"currency\" ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("CK_StripeCheckoutSession_status", "\"status\" IN ('OPEN', 'COMPLETE', 'EXPIRED')");
                    table.ForeignKey(
                        name: "FK_StripeCheckoutSession_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_payToken",
                table: "Factura",
                column: "payToken",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_StripeCheckoutSession_facturaId_status",
                table: "StripeCheckoutSession",
                columns: new[] { "facturaId", "status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "StripeCheckoutSession");

            migrationBuilder.DropIndex(
                name: "IX_Factura_payToken",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "payToken",
                table: "Factura");
        }
    }
}
