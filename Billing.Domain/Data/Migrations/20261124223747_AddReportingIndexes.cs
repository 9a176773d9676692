using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddReportingIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Factura_createdAt",
                table: "Factura");

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_occurredAt_id",
                table: "UsageLog",
                columns: new[] { "occurredAt", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_PaymentTransaction_transactionId",
                table: "PaymentTransaction",
                column: "transactionId",
                unique: true,
                filter: "\"transactionId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_createdAt_id",
                table: "Factura",
                columns: new[] { "createdAt", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_dueDate_id",
                table: "Factura",
                columns: new[] { "dueDate", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_perioada_id",
                table: "Factura",
                columns: new[] { "perioada", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_totalDePlata_id",
                table: "Factura",
                columns: new[] { "totalDePlata", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_UsageLog_occurredAt_id",
                table: "UsageLog");

            migrationBuilder.DropIndex(
                name: "IX_PaymentTransaction_transactionId",
                table: "PaymentTransaction");

            migrationBuilder.DropIndex(
                name: "IX_Factura_createdAt_id",
                table: "Factura");

            migrationBuilder.DropIndex(
                name: "IX_Factura_dueDate_id",
                table: "Factura");

            migrationBuilder.DropIndex(
                name: "IX_Factura_perioada_id",
                table: "Factura");

            migrationBuilder.DropIndex(
                name: "IX_Factura_totalDePlata_id",
                table: "Factura");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_createdAt",
                table: "Factura",
                column: "createdAt");
        }
    }
}
