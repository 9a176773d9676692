using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddBillingLookupIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ClientAssistant_clientId",
                table: "ClientAssistant");

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_unbilled",
                table: "UsageLog",
                columns: new[] { "clientId", "occurredAt" },
                filter: "\"facturaId\" IS NULL AND NOT \"incomplete\"");

            migrationBuilder.CreateIndex(
                name: "IX_ClientAssistant_clientId_kind",
                table: "ClientAssistant",
                columns: new[] { "clientId", "kind" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_UsageLog_unbilled",
                table: "UsageLog");

            migrationBuilder.DropIndex(
                name: "IX_ClientAssistant_clientId_kind",
                table: "ClientAssistant");

            migrationBuilder.CreateIndex(
                name: "IX_ClientAssistant_clientId",
                table: "ClientAssistant",
                column: "clientId");
        }
    }
}
