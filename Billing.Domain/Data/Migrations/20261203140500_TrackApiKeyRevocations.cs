using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class TrackApiKeyRevocations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ApiKeyRevision",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    revision = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApiKeyRevision", x => x.id);
                    table.CheckConstraint("CK_ApiKeyRevision_single", "\"id\" = 1");
                });

            migrationBuilder.InsertData(
                table: "ApiKeyRevision",
                columns: new[] { "id", "revision" },
                values: new object[] { 1, 0L });

            // Any revocation, deletion or change of what a key proves advances the version every instance polls
            // (ApiKeyCache); statement-level, so one UPDATE of many keys advances it once. "lastUsedAt" writes do not.
            migrationBuilder.Sql("""
                CREATE FUNCTION billing_api_key_revision_advance() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  UPDATE "ApiKeyRevision" SET "revision" = "revision" + 1 WHERE "id" = 1;
                  RETURN NULL;
                END $$;
                CREATE TRIGGER "ApiKey_revision" AFTER UPDATE OF "revokedAt", "expiresAt", "scope", "clientId", "keyHash", "prefix" OR DELETE
                  ON "ApiKey" FOR EACH STATEMENT EXECUTE FUNCTION billing_api_key_revision_advance();
                CREATE TRIGGER "ApiKey_revision_truncate" AFTER TRUNCATE ON "ApiKey"
                  FOR EACH STATEMENT EXECUTE FUNCTION billing_api_key_revision_advance();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER "ApiKey_revision_truncate" ON "ApiKey";
                DROP TRIGGER "ApiKey_revision" ON "ApiKey";
                DROP FUNCTION billing_api_key_revision_advance();
                """);

            migrationBuilder.DropTable(
                name: "ApiKeyRevision");
        }
    }
}
