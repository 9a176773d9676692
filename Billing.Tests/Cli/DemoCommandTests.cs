using System.Text.Json;
using Billing.Cli.Demo;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Billing.Tests.Cli;

/// <summary>
/// The README's first command. It bills every active client, so it gets a database of its own; its e-mail goes to a real
/// SMTP server in the test process (without Smtp:Host it starts smtp4dev: LocalSmtpScriptTests covers that server).
/// </summary>
public sealed class DemoCommandTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncDisposable
{
    private readonly SmtpTestServer _smtp = new();
    private CliRunner Cli => new(database, settings: _smtp.Settings());

    public async ValueTask DisposeAsync() => await _smtp.DisposeAsync();

    [Fact]
    public async Task The_demo_bills_dr_serban_exactly_what_its_generated_minutes_give_and_a_rerun_changes_nothing()
    {
        // Independently of the app: each answered call bills its started minutes at 0.56 RON, plus the 800 RON fee.
        var minutes = DemoMonth.Reports(2025, 11)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("message"))
            .Where(m => m.GetProperty("call").GetProperty("assistantId").GetString() == "asst_clinica_serban_01" && m.TryGetProperty("startedAt", out _))
            .Sum(m => Math.Ceiling((decimal)(m.GetProperty("endedAt").GetDateTimeOffset() - m.GetProperty("startedAt").GetDateTimeOffset()).TotalMilliseconds / 60000m));
        var net = Math.Round(minutes * 0.56m, 2, MidpointRounding.AwayFromZero) + 800m;
        // The demo's issuer is a VAT payer: the amount to pay is the net plus 21% (one breakdown, rounded once).
        var expected = net + Math.Round(net * 0.21m, 2, MidpointRounding.AwayFromZero);

        var first = await Cli.RunAsync("demo");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("Invoices for 2025-11:", first.Out);
        Assert.Matches($@"dr_serban\s+2025-11\s+{minutes}\s+.*\s{expected:0.00}\s+RON\s+PENDING", first.Out);
        Assert.Contains($"E-mail: 3 invoice e-mails sent now (0 dead-lettered); read them at the configured SMTP server (127.0.0.1)", first.Out);
        var serban = Assert.Single(_smtp.Received, m => m.To.Mailboxes.Single().Address == "contabilitate@clinica-serban.test"); // its billing e-mail
        Assert.Contains(expected.ToString("#,##0.00", System.Globalization.CultureInfo.GetCultureInfo("ro-RO")), serban.Subject);
        Assert.Equal(["contabilitate@clinica-serban.test", "contabilitate@farmacia-verde.test", "programari@salon-bella.test"],
            _smtp.Received.Select(m => m.To.Mailboxes.Single().Address).Order());
        await using (var db = database.CreateContext())
        {
            var invoice = await db.Invoices.SingleAsync(i => i.ClientId == "dr_serban");
            Assert.Equal((net, expected), (invoice.NetAmount, invoice.Total));
            Assert.Empty(invoice.MissingFields);
        }

        var second = await Cli.RunAsync("demo");

        Assert.Equal(0, second.ExitCode);
        Assert.Contains("0 new, 135 already recorded", second.Out);
        Assert.Contains("0 invoices created", second.Out);
        Assert.Contains("E-mail: 0 invoice e-mails sent now", second.Out);
        Assert.Equal(3, _smtp.Received.Count);
        await using var after = database.CreateContext();
        Assert.Equal(3, await after.Invoices.CountAsync());
        Assert.Equal(135, await after.UsageLogs.CountAsync());
    }
}
