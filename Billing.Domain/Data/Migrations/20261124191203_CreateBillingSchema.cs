using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class CreateBillingSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BillingRun",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    startedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    asOf = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    trigger = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    dryRun = table.Column<bool>(type: "boolean", nullable: false),
                    clientsSeen = table.Column<int>(type: "integer", nullable: false),
                    invoicesCreated = table.Column<int>(type: "integer", nullable: false),
                    invoicesSkipped = table.Column<int>(type: "integer", nullable: false),
                    invoicesMarkedOverdue = table.Column<int>(type: "integer", nullable: false),
                    reconciliation = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    callsFound = table.Column<int>(type: "integer", nullable: false),
                    callsInserted = table.Column<int>(type: "integer", nullable: false),
                    callsCompleted = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BillingRun", x => x.id);
                    table.CheckConstraint("CK_BillingRun_reconciliation", "\"reconciliation\" IS NULL OR \"reconciliation\" IN ('ok', 'failed', 'disabled', 'skipped')");
                });

            migrationBuilder.CreateTable(
                name: "Client",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    clientName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    taxaLunara = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    costPerMinut = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false, defaultValue: "RON"),
                    billingDay = table.Column<int>(type: "integer", nullable: false, defaultValue: 1),
                    timeZone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, defaultValue: "Europe/Bucharest"),
                    billingStartDate = table.Column<DateOnly>(type: "date", nullable: true),
                    minuteRounding = table.Column<string>(type: "text", nullable: false, defaultValue: "per_minute"),
                    includedMinutes = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false, defaultValue: 0m),
                    paymentTermDays = table.Column<int>(type: "integer", nullable: false, defaultValue: 15),
                    prorateFirstPeriod = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    billVapiFaults = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    active = table.Column<bool>(type: "boolean", nullable: false, defaultValue: true),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Client", x => x.id);
                    table.UniqueConstraint("AK_Client_clientId", x => x.clientId);
                    table.CheckConstraint("CK_Client_billingDay", "\"billingDay\" BETWEEN 1 AND 28");
                    table.CheckConstraint("CK_Client_costPerMinut_non_negative", "\"costPerMinut\" >= 0");
                    table.CheckConstraint("CK_Client_currency", "\"currency\" ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("CK_Client_includedMinutes_non_negative", "\"includedMinutes\" >= 0");
                    table.CheckConstraint("CK_Client_minuteRounding", "\"minuteRounding\" IN ('per_minute', 'per_second', 'exact')");
                    table.CheckConstraint("CK_Client_paymentTermDays_non_negative", "\"paymentTermDays\" >= 0");
                    table.CheckConstraint("CK_Client_taxaLunara_non_negative", "\"taxaLunara\" >= 0");
                });

            migrationBuilder.CreateTable(
                name: "ExchangeRate",
                columns: table => new
                {
                    date = table.Column<DateOnly>(type: "date", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    quoteCurrency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    rate = table.Column<decimal>(type: "numeric(14,6)", precision: 14, scale: 6, nullable: false),
                    source = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExchangeRate", x => new { x.date, x.currency, x.quoteCurrency });
                    table.CheckConstraint("CK_ExchangeRate_currency", "\"currency\" ~ '^[A-Z]{3}$' AND \"quoteCurrency\" ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("CK_ExchangeRate_rate_positive", "\"rate\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "InvoiceNumberSeries",
                columns: table => new
                {
                    series = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    year = table.Column<int>(type: "integer", nullable: false),
                    nextNumber = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InvoiceNumberSeries", x => new { x.series, x.year });
                    table.CheckConstraint("CK_InvoiceNumberSeries_nextNumber", "\"nextNumber\" >= 1");
                    table.CheckConstraint("CK_InvoiceNumberSeries_year", "\"year\" BETWEEN 2000 AND 9999");
                });

            migrationBuilder.CreateTable(
                name: "VapiCallReport",
                columns: table => new
                {
                    callId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    payloadGzip = table.Column<byte[]>(type: "bytea", nullable: false),
                    payloadSha256 = table.Column<byte[]>(type: "bytea", nullable: false),
                    payloadBytes = table.Column<int>(type: "integer", nullable: false),
                    receivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    expiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VapiCallReport", x => x.callId);
                });

            migrationBuilder.CreateTable(
                name: "ApiKey",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    prefix = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    keyHash = table.Column<byte[]>(type: "bytea", nullable: false),
                    scope = table.Column<string>(type: "text", nullable: false),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    expiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revokedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    lastUsedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApiKey", x => x.id);
                    table.CheckConstraint("CK_ApiKey_client_scope", "(\"scope\" = 'client') = (\"clientId\" IS NOT NULL)");
                    table.CheckConstraint("CK_ApiKey_keyHash", "octet_length(\"keyHash\") = 32");
                    table.CheckConstraint("CK_ApiKey_scope", "\"scope\" IN ('admin', 'reporting', 'client')");
                    table.ForeignKey(
                        name: "FK_ApiKey_Client_clientId",
                        column: x => x.clientId,
                        principalTable: "Client",
                        principalColumn: "clientId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ClientAssistant",
                columns: table => new
                {
                    kind = table.Column<string>(type: "text", nullable: false),
                    vapiId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClientAssistant", x => new { x.kind, x.vapiId });
                    table.CheckConstraint("CK_ClientAssistant_kind", "\"kind\" IN ('assistant', 'squad', 'phone_number')");
                    table.ForeignKey(
                        name: "FK_ClientAssistant_Client_clientId",
                        column: x => x.clientId,
                        principalTable: "Client",
                        principalColumn: "clientId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Factura",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    number = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    clientName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    perioada = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false),
                    periodStart = table.Column<DateOnly>(type: "date", nullable: true),
                    periodEnd = table.Column<DateOnly>(type: "date", nullable: true),
                    minuteTotale = table.Column<decimal>(type: "numeric(14,4)", precision: 14, scale: 4, nullable: false),
                    totalCalls = table.Column<int>(type: "integer", nullable: false),
                    successfulCalls = table.Column<int>(type: "integer", nullable: false),
                    includedMinutes = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false, defaultValue: 0m),
                    costPerMinut = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: true),
                    costMinute = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    taxaFixa = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    lateUsageAmount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false, defaultValue: 0m),
                    totalDePlata = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false, defaultValue: "RON"),
                    status = table.Column<string>(type: "text", nullable: false, defaultValue: "PENDING"),
                    dueDate = table.Column<DateOnly>(type: "date", nullable: false),
                    issuedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    paidAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    vapiAssistantId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    reconciled = table.Column<bool>(type: "boolean", nullable: false, defaultValue: true),
                    billingRunId = table.Column<Guid>(type: "uuid", nullable: true),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Factura", x => x.id);
                    table.CheckConstraint("CK_Factura_costMinute_non_negative", "\"costMinute\" >= 0");
                    table.CheckConstraint("CK_Factura_costPerMinut_non_negative", "\"costPerMinut\" >= 0");
                    table.CheckConstraint("CK_Factura_currency", "\"currency\" ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("CK_Factura_includedMinutes_non_negative", "\"includedMinutes\" >= 0");
                    table.CheckConstraint("CK_Factura_lateUsageAmount_non_negative", "\"lateUsageAmount\" >= 0");
                    table.CheckConstraint("CK_Factura_minuteTotale_non_negative", "\"minuteTotale\" >= 0");
                    table.CheckConstraint("CK_Factura_perioada", "\"perioada\" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'");
                    table.CheckConstraint("CK_Factura_period_range", "\"periodEnd\" IS NULL OR \"periodStart\" IS NULL OR \"periodEnd\" > \"periodStart\"");
                    table.CheckConstraint("CK_Factura_status", "\"status\" IN ('PENDING', 'PAID', 'OVERDUE', 'CANCELLED')");
                    table.CheckConstraint("CK_Factura_successfulCalls", "\"successfulCalls\" <= \"totalCalls\"");
                    table.CheckConstraint("CK_Factura_successfulCalls_non_negative", "\"successfulCalls\" >= 0");
                    table.CheckConstraint("CK_Factura_taxaFixa_non_negative", "\"taxaFixa\" >= 0");
                    table.CheckConstraint("CK_Factura_totalCalls_non_negative", "\"totalCalls\" >= 0");
                    table.CheckConstraint("CK_Factura_totalDePlata", "\"totalDePlata\" = \"costMinute\" + \"taxaFixa\" + \"lateUsageAmount\"");
                    table.CheckConstraint("CK_Factura_totalDePlata_non_negative", "\"totalDePlata\" >= 0");
                    table.ForeignKey(
                        name: "FK_Factura_BillingRun_billingRunId",
                        column: x => x.billingRunId,
                        principalTable: "BillingRun",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_Factura_Client_clientId",
                        column: x => x.clientId,
                        principalTable: "Client",
                        principalColumn: "clientId",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "InvoiceLateUsage",
                columns: table => new
                {
                    facturaId = table.Column<Guid>(type: "uuid", nullable: false),
                    originalPeriod = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false),
                    calls = table.Column<int>(type: "integer", nullable: false),
                    minutes = table.Column<decimal>(type: "numeric(14,4)", precision: 14, scale: 4, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InvoiceLateUsage", x => new { x.facturaId, x.originalPeriod });
                    table.CheckConstraint("CK_InvoiceLateUsage_amount_non_negative", "\"amount\" >= 0");
                    table.CheckConstraint("CK_InvoiceLateUsage_calls_non_negative", "\"calls\" >= 0");
                    table.CheckConstraint("CK_InvoiceLateUsage_minutes_non_negative", "\"minutes\" >= 0");
                    table.CheckConstraint("CK_InvoiceLateUsage_originalPeriod", "\"originalPeriod\" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'");
                    table.ForeignKey(
                        name: "FK_InvoiceLateUsage_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "PaymentTransaction",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    facturaId = table.Column<Guid>(type: "uuid", nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false, defaultValue: "RON"),
                    paymentMethod = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false, defaultValue: "PENDING"),
                    transactionId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    paidAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PaymentTransaction", x => x.id);
                    table.CheckConstraint("CK_PaymentTransaction_amount_non_negative", "\"amount\" >= 0");
                    table.CheckConstraint("CK_PaymentTransaction_currency", "\"currency\" ~ '^[A-Z]{3}$'");
                    table.CheckConstraint("CK_PaymentTransaction_paymentMethod", "\"paymentMethod\" IN ('card', 'transfer', 'cash')");
                    table.CheckConstraint("CK_PaymentTransaction_status", "\"status\" IN ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED')");
                    table.ForeignKey(
                        name: "FK_PaymentTransaction_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "UsageLog",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false, defaultValueSql: "gen_random_uuid()"),
                    callId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    clientId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    vapiAssistantId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    vapiSquadId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    vapiPhoneNumberId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    vapiCustomerId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    startedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    endedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    vapiCreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    occurredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, computedColumnSql: "COALESCE(\"startedAt\", \"vapiCreatedAt\", \"endedAt\", \"createdAt\")", stored: true),
                    duration = table.Column<decimal>(type: "numeric(12,3)", precision: 12, scale: 3, nullable: false),
                    billableSeconds = table.Column<decimal>(type: "numeric(12,3)", precision: 12, scale: 3, nullable: false),
                    durationMinutes = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    toolsUsed = table.Column<List<string>>(type: "text[]", nullable: false, defaultValueSql: "'{}'::text[]"),
                    cost = table.Column<decimal>(type: "numeric(14,6)", precision: 14, scale: 6, nullable: false),
                    vapiCost = table.Column<decimal>(type: "numeric(14,6)", precision: 14, scale: 6, nullable: true),
                    endedReason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    outcome = table.Column<string>(type: "text", nullable: false),
                    billable = table.Column<bool>(type: "boolean", nullable: false),
                    incomplete = table.Column<bool>(type: "boolean", nullable: false),
                    source = table.Column<string>(type: "text", nullable: false),
                    facturaId = table.Column<Guid>(type: "uuid", nullable: true),
                    createdAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    updatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageLog", x => x.id);
                    table.CheckConstraint("CK_UsageLog_billableSeconds_non_negative", "\"billableSeconds\" >= 0");
                    table.CheckConstraint("CK_UsageLog_cost_non_negative", "\"cost\" >= 0");
                    table.CheckConstraint("CK_UsageLog_duration_non_negative", "\"duration\" >= 0");
                    table.CheckConstraint("CK_UsageLog_durationMinutes_non_negative", "\"durationMinutes\" >= 0");
                    table.CheckConstraint("CK_UsageLog_endedAt_after_startedAt", "\"endedAt\" IS NULL OR \"startedAt\" IS NULL OR \"endedAt\" >= \"startedAt\"");
                    table.CheckConstraint("CK_UsageLog_outcome", "\"outcome\" IN ('success', 'not_connected', 'error')");
                    table.CheckConstraint("CK_UsageLog_source", "\"source\" IN ('webhook', 'reconciliation', 'import')");
                    table.CheckConstraint("CK_UsageLog_vapiCost_non_negative", "\"vapiCost\" >= 0");
                    table.ForeignKey(
                        name: "FK_UsageLog_Client_clientId",
                        column: x => x.clientId,
                        principalTable: "Client",
                        principalColumn: "clientId",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_UsageLog_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ApiKey_clientId",
                table: "ApiKey",
                column: "clientId");

            migrationBuilder.CreateIndex(
                name: "IX_ApiKey_prefix",
                table: "ApiKey",
                column: "prefix",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_BillingRun_startedAt",
                table: "BillingRun",
                column: "startedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Client_active",
                table: "Client",
                column: "active");

            migrationBuilder.CreateIndex(
                name: "IX_Client_clientId",
                table: "Client",
                column: "clientId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ClientAssistant_clientId",
                table: "ClientAssistant",
                column: "clientId");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_billingRunId",
                table: "Factura",
                column: "billingRunId");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_clientId_perioada",
                table: "Factura",
                columns: new[] { "clientId", "perioada" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Factura_createdAt",
                table: "Factura",
                column: "createdAt");

            migrationBuilder.CreateIndex(
                name: "IX_Factura_number",
                table: "Factura",
                column: "number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Factura_perioada_totalDePlata",
                table: "Factura",
                columns: new[] { "perioada", "totalDePlata" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "IX_Factura_status_dueDate",
                table: "Factura",
                columns: new[] { "status", "dueDate" });

            migrationBuilder.CreateIndex(
                name: "IX_PaymentTransaction_facturaId",
                table: "PaymentTransaction",
                column: "facturaId");

            migrationBuilder.CreateIndex(
                name: "IX_PaymentTransaction_status_createdAt",
                table: "PaymentTransaction",
                columns: new[] { "status", "createdAt" });

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_callId",
                table: "UsageLog",
                column: "callId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_clientId_occurredAt",
                table: "UsageLog",
                columns: new[] { "clientId", "occurredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_facturaId",
                table: "UsageLog",
                column: "facturaId");

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_incomplete",
                table: "UsageLog",
                column: "createdAt",
                filter: "\"incomplete\"");

            migrationBuilder.CreateIndex(
                name: "IX_UsageLog_unattributed",
                table: "UsageLog",
                column: "occurredAt",
                filter: "\"clientId\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_VapiCallReport_expiresAt",
                table: "VapiCallReport",
                column: "expiresAt");

            // "updatedAt" stays true for every write, raw SQL included, not only for EF Core. The SQL this migration ran,
            // written out: a migration is frozen history and reads no live constant.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION billing_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW."updatedAt" := now();
                    RETURN NEW;
                END
                $$;
                """);
            migrationBuilder.Sql("""CREATE TRIGGER "Client_touch_updatedAt" BEFORE UPDATE ON "Client" FOR EACH ROW EXECUTE FUNCTION billing_touch_updated_at();""");
            migrationBuilder.Sql("""CREATE TRIGGER "UsageLog_touch_updatedAt" BEFORE UPDATE ON "UsageLog" FOR EACH ROW EXECUTE FUNCTION billing_touch_updated_at();""");
            migrationBuilder.Sql("""CREATE TRIGGER "Factura_touch_updatedAt" BEFORE UPDATE ON "Factura" FOR EACH ROW EXECUTE FUNCTION billing_touch_updated_at();""");
            migrationBuilder.Sql("""CREATE TRIGGER "PaymentTransaction_touch_updatedAt" BEFORE UPDATE ON "PaymentTransaction" FOR EACH ROW EXECUTE FUNCTION billing_touch_updated_at();""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ApiKey");

            migrationBuilder.DropTable(
                name: "ClientAssistant");

            migrationBuilder.DropTable(
                name: "ExchangeRate");

            migrationBuilder.DropTable(
                name: "InvoiceLateUsage");

            migrationBuilder.DropTable(
                name: "InvoiceNumberSeries");

            migrationBuilder.DropTable(
                name: "PaymentTransaction");

            migrationBuilder.DropTable(
                name: "UsageLog");

            migrationBuilder.DropTable(
                name: "VapiCallReport");

            migrationBuilder.DropTable(
                name: "Factura");

            migrationBuilder.DropTable(
                name: "BillingRun");

            migrationBuilder.DropTable(
                name: "Client");

            migrationBuilder.Sql("DROP FUNCTION IF EXISTS billing_touch_updated_at();");
        }
    }
}
