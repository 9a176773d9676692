using System.Text.Json;
using Billing.Cli.Demo;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Billing.Tests.Cli;

/// <summary>The `billing` commands end to end on a real database, as an operator would run them.</summary>
public sealed class CliEndToEndTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private readonly CliRunner _cli = new(database);

    [Fact]
    public async Task An_operator_adds_a_client_imports_its_calls_previews_runs_and_lists_its_invoices()
    {
        Assert.Equal(0, (await _cli.RunAsync("clients", "add", "--id", "cli_clinic", "--name", "CLI Clinic", "--fee", "100", "--rate", "0.50",
            "--billing-start", "2025-11-01", "--assistant", "asst_cli_clinic")).ExitCode);
        var duplicate = await _cli.RunAsync("clients", "add", "--id", "cli_clinic", "--name", "Again", "--fee", "1", "--rate", "1");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("billing clients set cli_clinic", duplicate.Error);
        Assert.Equal(2, (await _cli.RunAsync("clients", "set", "cli_clinic", "--time-zone", "Mars/Olympus")).ExitCode);
        // Terms change from a period start: November (closed, by the machine's clock) keeps its terms; the next period gets them.
        var closed = await _cli.RunAsync("clients", "set", "cli_clinic", "--included-minutes", "1", "--effective-from", "2025-11-01");
        Assert.Equal(1, closed.ExitCode);
        Assert.Contains("effectiveFrom", closed.Error);
        Assert.Equal(2, (await _cli.RunAsync("clients", "set", "cli_clinic", "--included-minutes", "1", "--effective-from", "2099-01-15")).ExitCode);
        Assert.Equal(0, (await _cli.RunAsync("clients", "set", "cli_clinic", "--included-minutes", "1")).ExitCode);
        var terms = await _cli.RunAsync("clients", "terms", "cli_clinic");
        Assert.Contains("2025-11-01", terms.Out);
        Assert.Contains("scheduled", terms.Out);

        var folder = Directory.CreateTempSubdirectory("billing-import-").FullName;
        var report = Fixtures.Vapi("end-of-call-report-success.json").Replace("asst_clinica_serban_01", "asst_cli_clinic");
        await File.WriteAllLinesAsync(Path.Combine(folder, "calls.ndjson"),
        [
            System.Text.Json.Nodes.JsonNode.Parse(report)!.ToJsonString(),
            System.Text.Json.Nodes.JsonNode.Parse(Fixtures.Vapi("status-update-ended.json"))!.ToJsonString(),
            "{not json",
        ]);
        var import = await _cli.RunAsync("calls", "import", folder);
        Assert.Equal(1, import.ExitCode);
        Assert.Contains("1 new, 0 completed, 0 unchanged, 1 other messages ignored, 1 invalid", import.Out);
        Assert.Contains("calls.ndjson:3", import.Error);
        Assert.Contains("1 unchanged", (await _cli.RunAsync("calls", "import", folder)).Out);

        var dry = await _cli.RunAsync("cycle", "run", "--as-of", "2025-12-01T12:00:00Z", "--client", "cli_clinic", "--dry-run", "--json");
        Assert.Equal(0, dry.ExitCode);
        Assert.Equal(101.50m, JsonDocument.Parse(dry.Out).RootElement.GetProperty("invoices")[0].GetProperty("total").GetDecimal());

        var run = await _cli.RunAsync("cycle", "run", "--as-of", "2025-12-01T12:00:00Z", "--client", "cli_clinic");
        Assert.Contains("1 invoices created", run.Out);
        var listed = JsonDocument.Parse((await _cli.RunAsync("invoices", "list", "--period", "2025-11", "--client", "cli_clinic", "--json")).Out);
        var invoice = Assert.Single(listed.RootElement.EnumerateArray());
        Assert.Equal(("101.50", "PENDING"), (invoice.GetProperty("total").GetString(), invoice.GetProperty("status").GetString()));
        Assert.Equal(2, (await _cli.RunAsync("invoices", "list", "--period", "2025-13")).ExitCode);
    }

    [Fact]
    public async Task Reconcile_without_a_vapi_key_fails_with_a_message_that_names_the_setting()
    {
        await _cli.RunAsync("clients", "add", "--id", "cli_reconcile", "--name", "R", "--fee", "1", "--rate", "1", "--assistant", "asst_cli_reconcile");
        var result = await _cli.RunAsync("calls", "reconcile", "--from", "2025-11-01T00:00:00Z", "--to", "2025-12-01T00:00:00Z", "--client", "cli_reconcile");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Vapi:ApiKey", result.Error);
    }
}
