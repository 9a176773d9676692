using System.Text;
using Billing.Domain.Audit;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Payments;

/// <summary>Bank statements (CAMT.053 and the CSV) matched to invoices: matched, ambiguous, unmatched and duplicate lines; replays change nothing.</summary>
public sealed class BankStatementTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    /// <summary>A camt.053.001.02 statement (what most Romanian banks export), valid against its ISO 20022 schema.</summary>
    private static string Camt(params string[] entries) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
          <BkToCstmrStmt>
            <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2025-12-06T06:00:00</CreDtTm></GrpHdr>
            <Stmt>
              <Id>RO49AAAA1B31007593840000-2025-12-05</Id>
              <CreDtTm>2025-12-06T06:00:00</CreDtTm>
              <Acct><Id><IBAN>RO49AAAA1B31007593840000</IBAN></Id></Acct>
              <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="RON">15000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-12-05</Dt></Dt></Bal>
              {string.Join("\n", entries)}
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """;

    private static string Entry(string bankId, decimal amount, string direction, string? reference, string? payer) => $"""
        <Ntry>
          <Amt Ccy="RON">{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}</Amt>
          <CdtDbtInd>{direction}</CdtDbtInd>
          <Sts>BOOK</Sts>
          <BookgDt><Dt>2025-12-05</Dt></BookgDt>
          <ValDt><Dt>2025-12-05</Dt></ValDt>
          <AcctSvcrRef>{bankId}</AcctSvcrRef>
          <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
          <NtryDtls><TxDtls>
            <RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>{reference}</Ustrd></RmtInf>
          </TxDtls></NtryDtls>
        </Ntry>
        """;

    [Fact]
    public async Task A_camt053_statement_matches_by_number_then_by_amount_and_payer_applies_nothing_ambiguous_and_replays_change_nothing()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var byNumber = await world.InvoiceAsync("stmt_number");
        var twoOpen = await world.InvoiceAsync("stmt_twoopen");
        var byPayer = await world.InvoiceAsync("stmt_payer");
        var octoberOfPayer = (await world.Scenario.InvoicesAsync("stmt_payer")).Single(i => i.Period == "2025-10");
        Assert.Equal(201, (await world.PayAsync(octoberOfPayer.Id, """{"amount":1000,"method":"transfer"}""")).Status);

        var statement = Camt(
            Entry("BT-1", 1000m, "CRDT", $"Plata fact. {byNumber.Number!.ToLowerInvariant()} multumim", "SC Oarecare SRL"),
            Entry("BT-2", 1000m, "CRDT", "abonament", "Client stmt_twoopen"),
            Entry("BT-3", 1000m, "CRDT", "abonament decembrie", "CLIENT STMT_PAYER"),
            Entry("BT-4", 77.00m, "CRDT", "donatie", "Nimeni"),
            Entry("BT-5", 50m, "DBIT", "comision", "Banca"),
            Entry("BT-6", 20m, "CRDT", $"rest {byNumber.Number}", "SC Oarecare SRL"),
            Entry("BT-1", 1000m, "CRDT", $"Plata fact. {byNumber.Number}", "SC Oarecare SRL"));

        var first = await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey, statement);
        Assert.Equal(200, first.Status);
        var outcomes = first.Json.GetProperty("lines").EnumerateArray()
            .Select(l => (l.GetProperty("bankTransactionId").GetString(), l.GetProperty("outcome").GetString(), l.GetProperty("invoiceNumber").GetString()))
            .ToList();
        Assert.Equal([
            ("BT-1", "matched", byNumber.Number), ("BT-2", "ambiguous", null), ("BT-3", "matched", byPayer.Number), ("BT-4", "unmatched", null),
            ("BT-6", "refused", byNumber.Number), ("BT-1", "duplicate", byNumber.Number)], outcomes);
        Assert.Contains("does not take credit", first.Json.GetProperty("lines")[4].GetProperty("reason").GetString());
        Assert.Equal((InvoiceStatus.Paid, InvoiceStatus.Pending, InvoiceStatus.Paid),
            ((await world.ReloadAsync(byNumber.Id)).Status, (await world.ReloadAsync(twoOpen.Id)).Status, (await world.ReloadAsync(byPayer.Id)).Status));

        await using var db = database.CreateContext();
        var before = (await db.Payments.CountAsync(), await db.AuditEntries.CountAsync());
        var again = await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey, statement);
        Assert.Equal((0, 3), (again.Json.GetProperty("matched").GetInt32(), again.Json.GetProperty("duplicates").GetInt32()));
        Assert.Equal(before, (await db.Payments.CountAsync(), await db.AuditEntries.CountAsync()));
        var recorded = await db.Payments.SingleAsync(p => p.TransactionId == "bank:BT-3");
        Assert.Equal((PaymentMethod.Transfer, "abonament decembrie"), (recorded.Method, recorded.Reference));
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.EntityId == recorded.Id.ToString() && a.Actor.StartsWith("key:")));

        Assert.Equal(422, (await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey, "<Document><oops")).Status);
        Assert.Equal(422, (await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey, "<Document xmlns=\"urn:other\"/>")).Status);

        // Every version is checked against its ISO schema: an entry without its mandatory bank transaction code is
        // refused whole, and a version we hold no schema for is refused, never read unchecked.
        var invalid = await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey,
            Camt(Entry("BT-7", 5m, "CRDT", "x", "y")).Replace("<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>", ""));
        Assert.Equal(422, invalid.Status);
        Assert.Contains("Not a valid camt.053.001.02 statement", invalid.Body);
        var unknownVersion = await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey,
            Camt(Entry("BT-8", 5m, "CRDT", "x", "y")).Replace("camt.053.001.02", "camt.053.001.06"));
        Assert.Equal(422, unknownVersion.Status);
        Assert.Contains("camt.053.001.06 is a camt.053 version we hold no ISO schema for", unknownVersion.Body);
        Assert.Equal(before.Item1, await db.Payments.CountAsync());
    }

    /// <summary>A camt.053.001.10 statement, valid against the ISO 20022 schema, with the given entries (Ntry).</summary>
    private static string Camt10(params string[] entries) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.10">
          <BkToCstmrStmt>
            <GrpHdr><MsgId>STMT-10</MsgId><CreDtTm>2025-12-06T06:00:00</CreDtTm></GrpHdr>
            <Stmt>
              <Id>RO49AAAA1B31007593840000-2025-12-05</Id>
              <Acct><Id><IBAN>RO49AAAA1B31007593840000</IBAN></Id><Ccy>RON</Ccy></Acct>
              <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="RON">15000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-12-05</Dt></Dt></Bal>
              {string.Join("\n", entries)}
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """;

    private static string Transaction(string? bankId, string amount, string reference, string payer) => $"""
        <TxDtls>
          {(bankId is null ? "" : $"<Refs><AcctSvcrRef>{bankId}</AcctSvcrRef></Refs>")}
          <Amt Ccy="RON">{amount}</Amt>
          <CdtDbtInd>CRDT</CdtDbtInd>
          <RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties>
          <RmtInf><Ustrd>{reference}</Ustrd></RmtInf>
        </TxDtls>
        """;

    /// <summary>One booked credit entry holding the given transactions (a batch booking when there are several).</summary>
    private static string BatchEntry(string bankId, string amount, params string[] transactions) => $"""
        <Ntry>
          <Amt Ccy="RON">{amount}</Amt>
          <CdtDbtInd>CRDT</CdtDbtInd>
          <Sts><Cd>BOOK</Cd></Sts>
          <BookgDt><Dt>2025-12-05</Dt></BookgDt>
          <ValDt><Dt>2025-12-05</Dt></ValDt>
          <AcctSvcrRef>{bankId}</AcctSvcrRef>
          <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
          <NtryDtls>{string.Concat(transactions)}</NtryDtls>
        </Ntry>
        """;

    [Fact]
    public async Task A_camt053_001_10_statement_is_validated_against_the_iso_schema_and_a_batch_entry_is_one_line_per_transaction()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var first = await world.InvoiceAsync("stmt_batch_a");
        var second = await world.InvoiceAsync("stmt_batch_b");

        var statement = Camt10(
            BatchEntry("BATCH-1", "1500.00",
                Transaction("TX-A", "1000.00", $"Plata {first.Number}", "Clinica A SRL"),
                Transaction("TX-B", "500.00", $"Avans {second.Number}", "Clinica B SRL")),
            // Transactions without their own references: the entry's id and the position identify them.
            BatchEntry("BATCH-2", "500.00",
                Transaction(null, "200.00", $"Rest {second.Number}", "Clinica B SRL"),
                Transaction(null, "300.00", $"Rest {second.Number}", "Clinica B SRL")));
        await using var db = database.CreateContext();
        var imported = await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey, statement);
        Assert.Equal(200, imported.Status);
        Assert.Equal(
            [("TX-A", "matched", first.Number, "Clinica A SRL"), ("TX-B", "matched", second.Number, "Clinica B SRL"),
                ("BATCH-2/1", "matched", second.Number, "Clinica B SRL"), ("BATCH-2/2", "matched", second.Number, "Clinica B SRL")],
            imported.Json.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("bankTransactionId").GetString(),
                l.GetProperty("outcome").GetString(), l.GetProperty("invoiceNumber").GetString(), l.GetProperty("payer").GetString())).ToList());
        Assert.Equal((InvoiceStatus.Paid, InvoiceStatus.Paid), ((await world.ReloadAsync(first.Id)).Status, (await world.ReloadAsync(second.Id)).Status));
        Assert.Equal(500m, (await db.Payments.SingleAsync(p => p.TransactionId == "bank:TX-B")).Amount);
        var replay = await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey, statement);
        Assert.Equal((0, 4), (replay.Json.GetProperty("matched").GetInt32(), replay.Json.GetProperty("duplicates").GetInt32()));

        // Refused whole, writing nothing: what the schema does not allow (an entry without its bank transaction code, a
        // decimal comma), and a batch whose transactions do not add up to the entry.
        var payments = await db.Payments.CountAsync();
        var noCode = Camt10(BatchEntry("BAD-1", "10.00", Transaction("TX-C", "10.00", "x", "y")).Replace(
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>", ""));
        var comma = Camt10(BatchEntry("BAD-2", "10,00", Transaction("TX-D", "10.00", "x", "y")));
        var short_ = Camt10(BatchEntry("BAD-3", "900.00", Transaction("TX-E", "400.00", "x", "y"), Transaction("TX-F", "400.00", "x", "y")));
        foreach (var (bad, says) in new[] { (noCode, "ISO 20022 schema"), (comma, "ISO 20022 schema"), (short_, "add up to 800.00, not the entry's 900.00") })
        {
            var refused = await world.Api.SendAsync("POST", "/api/payments/statements", world.AdminKey, bad);
            Assert.Equal(422, refused.Status);
            Assert.Contains(says, refused.Json.GetProperty("errors").GetProperty("file")[0].GetString());
        }
        Assert.Equal(payments, await db.Payments.CountAsync());
    }

    [Fact]
    public async Task A_windows_1250_csv_with_decimal_commas_is_imported_by_the_cli_and_a_second_import_changes_nothing()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("stmt_csv", fee: 1234.56m);
        var october = (await world.Scenario.InvoicesAsync("stmt_csv")).Single(i => i.Period == "2025-10");
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        // Windows-1250 has the cedilla forms (Ş, Ţ) older Romanian exports use, not the comma-below ones.
        var csv = $"""
            Data inregistrarii;Suma;Moneda;Referinta;Platitor;ID tranzactie
            05.12.2025;1.234,56;RON;Plata {invoice.Number} - Clinica Şerban;Clinica Şerban SRL;CSV-1
            2025-12-05;"1234,56";RON;"factura {october.Number}; octombrie";Clinica Şerban SRL;CSV-2
            2025-12-06;-10,00;RON;comision;Banca;CSV-3
            2025-12-06;99,99;RON;;Nimeni;CSV-4
            """;
        var path = Path.Combine(Path.GetTempPath(), $"statement-{Guid.NewGuid():N}.csv");
        await File.WriteAllBytesAsync(path, Encoding.GetEncoding(1250).GetBytes(csv));
        try
        {
            var cli = new CliRunner(database);
            var first = await cli.RunAsync("payments", "import", path);
            Assert.Equal(1, first.ExitCode);
            Assert.Contains("2 matched, 0 duplicate, 0 ambiguous, 1 unmatched, 0 refused", first.Out);
            var second = await cli.RunAsync("payments", "import", path, "--json");
            Assert.Contains("\"outcome\": \"Duplicate\"", second.Out);

            await using var db = database.CreateContext();
            var payment = await db.Payments.SingleAsync(p => p.TransactionId == "bank:CSV-1");
            Assert.Equal((1234.56m, invoice.Id, "Plata " + invoice.Number + " - Clinica Şerban"), (payment.Amount, payment.InvoiceId, payment.Reference));
            Assert.Equal(2, await db.Payments.CountAsync(p => p.TransactionId!.StartsWith("bank:CSV-")));
            Assert.StartsWith("cli:", (await db.AuditEntries.FirstAsync(a => a.EntityId == payment.Id.ToString())).Actor);
            Assert.Equal(InvoiceStatus.Paid, (await world.ReloadAsync(october.Id)).Status);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("1.234,56", "1234.56")]
    [InlineData("1,234.56", "1234.56")]
    [InlineData("1234,5", "1234.5")]
    [InlineData("1234", "1234")]
    [InlineData("1 234,56", "1234.56")]
    [InlineData("-10,00", "-10.00")]
    public void Amounts_read_with_a_decimal_comma_or_point(string text, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), StatementCsv.Amount(text));

    [Theory]
    [InlineData("abc")]
    [InlineData("12a")]
    [InlineData("1.5e3")]
    public void Other_amounts_are_refused(string text) => Assert.Null(StatementCsv.Amount(text));
}
