using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class TuneReportingIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PaymentTransaction_status_createdAt",
                table: "PaymentTransaction");

            migrationBuilder.DropIndex(
                name: "IX_Factura_perioada_totalDePlata",
                table: "Factura");

            migrationBuilder.DropIndex(
                name: "IX_Factura_status_dueDate",
                table: "Factura");

            migrationBuilder.CreateIndex(
                name: "IX_PaymentTransaction_createdAt_id",
                table: "PaymentTransaction",
                columns: new[] { "createdAt", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_PaymentTransaction_status_createdAt_id",
                table: "PaymentTransaction",
                columns: new[] { "status", "createdAt", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_perioada_totalDePlata_id",
                table: "Factura",
                columns: new[] { "perioada", "totalDePlata", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_revenue",
                table: "Factura",
                column: "perioada")
                .Annotation("Npgsql:IndexInclude", new[] { "status", "currency", "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata" });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_status_dueDate_id",
                table: "Factura",
                columns: new[] { "status", "dueDate", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PaymentTransaction_createdAt_id",
                table: "PaymentTransaction");

            migrationBuilder.DropIndex(
                name: "IX_PaymentTransaction_status_createdAt_id",
                table: "PaymentTransaction");

            migrationBuilder.DropIndex(
                name: "IX_Factura_perioada_totalDePlata_id",
                table: "Factura");

            migrationBuilder.DropIndex(
                name: "IX_Factura_revenue",
                table: "Factura");

            migrationBuilder.DropIndex(
                name: "IX_Factura_status_dueDate_id",
                table: "Factura");

            migrationBuilder.CreateIndex(
                name: "IX_PaymentTransaction_status_createdAt",
                table: "PaymentTransaction",
                columns: new[] { "status", "createdAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_perioada_totalDePlata",
                table: "Factura",
                columns: new[] { "perioada", "totalDePlata" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_status_dueDate",
                table: "Factura",
                columns: new[] { "status", "dueDate" });
        }
    }
}
