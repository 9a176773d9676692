using System.Text.RegularExpressions;
using Billing.Tests.Infrastructure;
using Npgsql;

namespace Billing.Tests.Integration;

/// <summary>The SQL our users already run against the original schema keeps working, character for character.</summary>
public sealed partial class SeedQueriesTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    // Verbatim from the seed README's "Sample Queries" and "Monitoring" sections.
    private const string InsertInvoice = """
        INSERT INTO "Factura" (
          "clientId", "clientName", "perioada", "minuteTotale",
          "totalCalls", "successfulCalls", "costMinute", "taxaFixa",
          "totalDePlata", "status", "dueDate", "vapiAssistantId", "currency"
        ) VALUES (
          'dr_serban', 'Clinica Dr. Șerban', '2025-11',
          120, 45, 42, 67.20, 800.00, 867.20,
          'PENDING', '2025-12-01', 'asst_abc123', 'RON'
        );
        """;

    private const string InvoicesByStatus = """
        SELECT * FROM "Factura"
        WHERE "status" = 'PENDING'
        ORDER BY "dueDate" ASC;
        """;

    private const string ClientInvoiceHistory = """
        SELECT * FROM "Factura"
        WHERE "clientId" = 'dr_serban'
        ORDER BY "perioada" DESC;
        """;

    private const string TotalRevenue = """
        SELECT
          SUM("totalDePlata") as total_revenue,
          COUNT(*) as total_invoices
        FROM "Factura"
        WHERE "status" = 'PAID';
        """;

    private const string CheckInvoiceGeneration = """
        SELECT
          "clientId",
          "perioada",
          "totalDePlata",
          "status",
          "createdAt"
        FROM "Factura"
        WHERE "createdAt" > NOW() - INTERVAL '1 day'
        ORDER BY "createdAt" DESC;
        """;

    private const string FailedPayments = """
        SELECT * FROM "PaymentTransaction"
        WHERE "status" = 'FAILED'
        ORDER BY "createdAt" DESC;
        """;

    private const string TopClientsByUsage = """
        SELECT
          "clientName",
          "minuteTotale",
          "totalDePlata",
          "perioada"
        FROM "Factura"
        WHERE "perioada" = '2025-11'
        ORDER BY "totalDePlata" DESC
        LIMIT 10;
        """;

    private static readonly string[] AllStatements =
        [InsertInvoice, InvoicesByStatus, ClientInvoiceHistory, TotalRevenue, CheckInvoiceGeneration, FailedPayments, TopClientsByUsage];

    [Fact]
    public async Task Seed_sample_insert_and_every_seed_select_run_unchanged()
    {
        await using var connection = await database.OpenConnectionAsync();
        // The invoice refers to its client, as billing data must.
        await ExecuteAsync(connection, """
            INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut", "billingDay")
            VALUES ('dr_serban', 'Clinica Dr. Șerban', 800.00, 0.56, 1)
            ON CONFLICT ("clientId") DO NOTHING
            """);

        Assert.Equal(1, await ExecuteAsync(connection, InsertInvoice));

        var pending = await QueryAsync(connection, InvoicesByStatus);
        var invoice = Assert.Single(pending);
        Assert.IsType<Guid>(invoice["id"]);
        Assert.Equal(867.20m, invoice["totalDePlata"]);
        Assert.Equal(new DateOnly(2025, 12, 1), invoice["dueDate"]);
        Assert.NotNull(invoice["createdAt"]);
        Assert.NotNull(invoice["updatedAt"]);

        Assert.Equal("2025-11", Assert.Single(await QueryAsync(connection, ClientInvoiceHistory))["perioada"]);

        var revenue = Assert.Single(await QueryAsync(connection, TotalRevenue));
        Assert.Equal(DBNull.Value, revenue["total_revenue"]);
        Assert.Equal(0L, revenue["total_invoices"]);

        var recent = Assert.Single(await QueryAsync(connection, CheckInvoiceGeneration));
        Assert.Equal("dr_serban", recent["clientId"]);

        Assert.Empty(await QueryAsync(connection, FailedPayments));

        var top = Assert.Single(await QueryAsync(connection, TopClientsByUsage));
        Assert.Equal("Clinica Dr. Șerban", top["clientName"]);
        Assert.Equal(120m, top["minuteTotale"]);
    }

    [Fact]
    public void The_statements_tested_here_are_those_of_the_seed_readme()
    {
        var readme = Path.Combine(RepositoryRoot.Path, "..", "shared", "seed", "BILLING-README.md");
        Assert.SkipUnless(File.Exists(readme), "The seed README is not beside this checkout.");

        var blocks = SqlBlock().Matches(File.ReadAllText(readme)).Select(m => Normalize(m.Groups[1].Value)).ToList();
        Assert.Equal(7, blocks.Count);
        Assert.Equal(blocks.Order(), AllStatements.Select(Normalize).Order());
    }

    private static string Normalize(string sql) => string.Join('\n', sql.Trim().Split('\n').Select(l => l.TrimEnd()));

    [GeneratedRegex("```sql\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<Dictionary<string, object>>> QueryAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object>>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetValue));
        }
        return rows;
    }
}
