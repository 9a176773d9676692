using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddOutbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "OutboxMessage",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    kind = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'{}'::jsonb"),
                    status = table.Column<string>(type: "text", nullable: false, defaultValue: "PENDING"),
                    attempts = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    nextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    leasedUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    leaseToken = table.Column<Guid>(type: "uuid", nullable: true),
                    lastError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    sentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    deadAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OutboxMessage", x => x.id);
                    table.CheckConstraint("CK_OutboxMessage_attempts_non_negative", "\"attempts\" >= 0");
                    table.CheckConstraint("CK_OutboxMessage_dead", "(\"status\" = 'DEAD') = (\"deadAt\" IS NOT NULL)");
                    table.CheckConstraint("CK_OutboxMessage_kind", "\"kind\" ~ '^[a-z][a-z0-9-]*$'");
                    table.CheckConstraint("CK_OutboxMessage_sent", "(\"status\" = 'SENT') = (\"sentAt\" IS NOT NULL)");
                    table.CheckConstraint("CK_OutboxMessage_status", "\"status\" IN ('PENDING', 'SENT', 'DEAD')");
                });

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessage_createdAt_id",
                table: "OutboxMessage",
                columns: new[] { "createdAt", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessage_due",
                table: "OutboxMessage",
                columns: new[] { "nextAttemptAt", "id" },
                filter: "\"status\" = 'PENDING'");

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessage_kind_key",
                table: "OutboxMessage",
                columns: new[] { "kind", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessage_status_createdAt_id",
                table: "OutboxMessage",
                columns: new[] { "status", "createdAt", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "OutboxMessage");
        }
    }
}
