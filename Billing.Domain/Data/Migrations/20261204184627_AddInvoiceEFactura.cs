using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddInvoiceEFactura : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "InvoiceEFactura",
                columns: table => new
                {
                    facturaId = table.Column<Guid>(type: "uuid", nullable: false),
                    content = table.Column<byte[]>(type: "bytea", nullable: true),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    findings = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'[]'::jsonb"),
                    generatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InvoiceEFactura", x => x.facturaId);
                    table.CheckConstraint("CK_InvoiceEFactura_outcome", "CASE WHEN \"content\" IS NULL THEN \"sha256\" IS NULL AND jsonb_array_length(\"findings\") > 0 ELSE \"sha256\" IS NOT NULL AND jsonb_array_length(\"findings\") = 0 END");
                    table.CheckConstraint("CK_InvoiceEFactura_sha256", "\"sha256\" IS NULL OR \"sha256\" ~ '^[0-9a-f]{64}$'");
                    table.ForeignKey(
                        name: "FK_InvoiceEFactura_Factura_facturaId",
                        column: x => x.facturaId,
                        principalTable: "Factura",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            // A stored document is what was issued: never changed or removed. A failed attempt (no content) may be
            // replaced by a later one.
            migrationBuilder.Sql("""
                CREATE FUNCTION billing_efactura_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF OLD."content" IS NOT NULL THEN
                        RAISE EXCEPTION 'The e-Factura document of invoice % is stored as issued and never changes', OLD."facturaId"
                            USING ERRCODE = 'integrity_constraint_violation';
                    END IF;
                    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
                END $$;
                CREATE TRIGGER "InvoiceEFactura_frozen" BEFORE UPDATE OR DELETE ON "InvoiceEFactura"
                    FOR EACH ROW EXECUTE FUNCTION billing_efactura_frozen();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "InvoiceEFactura");
            migrationBuilder.Sql("DROP FUNCTION billing_efactura_frozen();");
        }
    }
}
