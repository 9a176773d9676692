namespace Billing.Domain.Data;

/// <summary>SQL for the trigger that keeps <c>"updatedAt"</c> current on every UPDATE, used by migrations.</summary>
internal static class UpdatedAtTrigger
{
    public const string CreateFunction = """
        CREATE OR REPLACE FUNCTION billing_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW."updatedAt" := now();
            RETURN NEW;
        END
        $$;
        """;

    public const string DropFunction = "DROP FUNCTION IF EXISTS billing_touch_updated_at();";

    public static string Create(string table) =>
        $"CREATE TRIGGER \"{table}_touch_updatedAt\" BEFORE UPDATE ON \"{table}\" FOR EACH ROW EXECUTE FUNCTION billing_touch_updated_at();";
}
