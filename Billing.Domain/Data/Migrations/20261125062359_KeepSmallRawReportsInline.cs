using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class KeepSmallRawReportsInline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "VapiCallReport")
                .Annotation("Npgsql:StorageParameter:toast_tuple_target", 8160);

            // Gzip bytes do not compress: store them out of line as they are instead of trying pglz first.
            migrationBuilder.Sql("""ALTER TABLE "VapiCallReport" ALTER COLUMN "payloadGzip" SET STORAGE EXTERNAL;""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""ALTER TABLE "VapiCallReport" ALTER COLUMN "payloadGzip" SET STORAGE EXTENDED;""");

            migrationBuilder.AlterTable(
                name: "VapiCallReport")
                .OldAnnotation("Npgsql:StorageParameter:toast_tuple_target", 8160);
        }
    }
}
