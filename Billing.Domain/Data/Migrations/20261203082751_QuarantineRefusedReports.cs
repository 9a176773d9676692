using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class QuarantineRefusedReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "QuarantinedReport",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    payloadGzip = table.Column<byte[]>(type: "bytea", nullable: false),
                    payloadSha256 = table.Column<byte[]>(type: "bytea", nullable: false),
                    payloadBytes = table.Column<int>(type: "integer", nullable: false),
                    callId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    source = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    receivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    replayedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    replayOutcome = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    replayAttempts = table.Column<int>(type: "integer", nullable: false),
                    lastReplayError = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QuarantinedReport", x => x.id);
                    table.CheckConstraint("CK_QuarantinedReport_source", "\"source\" IN ('webhook', 'reconciliation', 'import')");
                });

            migrationBuilder.CreateIndex(
                name: "IX_QuarantinedReport_callId",
                table: "QuarantinedReport",
                column: "callId");

            migrationBuilder.CreateIndex(
                name: "IX_QuarantinedReport_open",
                table: "QuarantinedReport",
                column: "receivedAt",
                filter: "\"replayedAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_QuarantinedReport_payloadSha256",
                table: "QuarantinedReport",
                column: "payloadSha256",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "QuarantinedReport");
        }
    }
}
