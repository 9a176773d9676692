using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddStripeWebhookEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "reviewReason",
                table: "Factura",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "StripeEvent",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    apiVersion = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    objectId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    paymentIntentId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    facturaId = table.Column<Guid>(type: "uuid", nullable: true),
                    state = table.Column<string>(type: "text", nullable: false),
                    detail = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    stripeCreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    receivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StripeEvent", x => x.id);
                    table.CheckConstraint("CK_StripeEvent_state", "\"state\" IN ('APPLIED', 'NOTED', 'WAITING', 'REVIEW')");
                    table.ForeignKey(
                        name: "FK_StripeEvent_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_review",
                table: "Factura",
                columns: new[] { "createdAt", "id" },
                filter: "\"reviewReason\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_StripeEvent_facturaId",
                table: "StripeEvent",
                column: "facturaId");

            migrationBuilder.CreateIndex(
                name: "IX_StripeEvent_paymentIntentId_state",
                table: "StripeEvent",
                columns: new[] { "paymentIntentId", "state" });

            migrationBuilder.CreateIndex(
                name: "IX_StripeEvent_state_receivedAt",
                table: "StripeEvent",
                columns: new[] { "state", "receivedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "StripeEvent");

            migrationBuilder.DropIndex(
                name: "IX_Factura_review",
                table: "Factura");

            migrationBuilder.DropColumn(
                name: "reviewReason",
                table: "Factura");
        }
    }
}
