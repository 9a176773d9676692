using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class RecordClientFailures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "failedClients",
                table: "BillingRun",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "ClientFailure",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    step = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    period = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: true),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    firstSeenAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    lastSeenAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    lastRunId = table.Column<Guid>(type: "uuid", nullable: true),
                    retryFrom = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    resolvedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClientFailure", x => x.id);
                    table.CheckConstraint("CK_ClientFailure_attempts", "\"attempts\" >= 1");
                    table.CheckConstraint("CK_ClientFailure_step", "\"step\" IN ('due periods', 'reconciliation', 'attribution', 'invoicing', 'overdue', 'credit')");
                    table.ForeignKey(
                        name: "FK_ClientFailure_BillingRun_lastRunId",
                        column: x => x.lastRunId,
                        principalTable: "BillingRun",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_ClientFailure_Client_clientId",
                        column: x => x.clientId,
                        principalTable: "Client",
                        principalColumn: "clientId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ClientFailure_firstSeenAt_id",
                table: "ClientFailure",
                columns: new[] { "firstSeenAt", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_ClientFailure_lastRunId",
                table: "ClientFailure",
                column: "lastRunId");

            migrationBuilder.CreateIndex(
                name: "IX_ClientFailure_open",
                table: "ClientFailure",
                columns: new[] { "clientId", "step" },
                unique: true,
                filter: "\"resolvedAt\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClientFailure");

            migrationBuilder.DropColumn(
                name: "failedClients",
                table: "BillingRun");
        }
    }
}
