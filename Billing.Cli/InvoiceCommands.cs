using System.CommandLine;
using System.Globalization;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.EFactura;
using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.CreditNotes;
using Billing.Domain.Invoicing.Pdf;
using Billing.Domain.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing invoices list</c>: a readable table, or JSON for scripts; <c>pdf</c> and <c>export</c> write the stored documents.</summary>
internal static class InvoiceCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var status = new Option<string?>("--status") { Description = "PENDING, PAID, OVERDUE or CANCELLED." };
        var period = new Option<string?>("--period") { Description = "Billing period, YYYY-MM." };
        var client = new Option<string?>("--client") { Description = "One client's invoices." };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var notExportable = new Option<bool>("--not-exportable")
        { Description = "Only invoices e-Factura cannot take yet, with what each lacks (exit 1 when there are any)." };
        var review = new Option<bool>("--review")
        { Description = "Only invoices flagged for review (a card payment larger than was due...), with why (exit 1 when there are any)." };
        var list = new Command("list", "List invoices.") { status, period, client, json, notExportable, review };
        list.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            InvoiceStatus? wanted = parse.GetValue(status) is { } s
                ? TextEnum.TryParse<InvoiceStatus>(s, out var parsed) ? parsed : throw new ArgumentException($"--status must be PENDING, PAID, OVERDUE or CANCELLED, not '{s}'.")
                : null;
            if (parse.GetValue(period) is { } p && !DateOnly.TryParseExact(p + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                throw new ArgumentException($"--period must be YYYY-MM, not '{p}'.");
            }
            var invoices = await ListAsync(services.GetRequiredService<ReportQueries>(), new InvoiceFilter(Status: wanted,
                ClientId: parse.GetValue(client), PeriodFrom: parse.GetValue(period), PeriodTo: parse.GetValue(period),
                Exportable: parse.GetValue(notExportable) ? false : null, Review: parse.GetValue(review) ? true : null), ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, invoices.Select(i => new
                {
                    i.Id,
                    i.Number,
                    i.ClientId,
                    i.ClientName,
                    i.Period,
                    i.Minutes,
                    i.TotalCalls,
                    i.SuccessfulCalls,
                    MinutesAmount = Amount(i.MinutesAmount),
                    FixedFee = Amount(i.FixedFee),
                    LateUsageAmount = Amount(i.LateUsageAmount),
                    Total = Amount(i.Total),
                    NetAmount = i.NetAmount is { } net ? Amount(net) : null,
                    VatAmount = i.VatAmount is { } vat ? Amount(vat) : null,
                    i.VatCategory,
                    i.IssueDate,
                    MissingFields = i.MissingFields ?? [],
                    i.Currency,
                    Status = TextEnum.ToText(i.Status, TextCase.Upper),
                    i.DueDate,
                    i.Reconciled,
                    i.ReviewReason,
                }));
            }
            else if (parse.GetValue(review))
            {
                Output.WriteTable(environment.Out, ["number", "client", "period", "total", "cur", "review"], invoices.Select(i => (IReadOnlyList<string>)
                    [i.Number ?? "", i.ClientId, i.Period, Amount(i.Total), i.Currency, i.ReviewReason ?? ""]));
            }
            else if (parse.GetValue(notExportable))
            {
                Output.WriteTable(environment.Out, ["number", "client", "period", "total", "cur", "missing"], invoices.Select(i => (IReadOnlyList<string>)
                    [i.Number ?? "", i.ClientId, i.Period, Amount(i.Total), i.Currency, string.Join(", ", i.MissingFields ?? [])]));
            }
            else
            {
                WriteTable(environment.Out, invoices);
            }
            // A script (or an operator before the e-Factura deadline) can tell from the exit code that something waits.
            return (parse.GetValue(notExportable) || parse.GetValue(review)) && invoices.Count > 0 ? ExitCodes.Failure : ExitCodes.Success;
        }));
        var number = new Argument<string>("number") { Description = "The invoice number, e.g. VAI-2025-000001." };
        var output = new Option<FileInfo>("--out") { Description = "The file to write the PDF to.", Required = true };
        var pdf = new Command("pdf", "Write an invoice's PDF (the one stored at its first rendering) to a file.") { number, output };
        pdf.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var wanted = parse.GetValue(number)!;
            var id = await services.GetRequiredService<BillingDbContext>().Invoices.Where(i => i.Number == wanted).Select(i => (Guid?)i.Id)
                .SingleOrDefaultAsync(ct) ?? throw new CliException($"No invoice numbered '{wanted}' ('billing invoices list' shows them).");
            var stored = await services.GetRequiredService<InvoicePdfs>().GetAsync(id, ct)
                ?? throw new CliException($"No invoice numbered '{wanted}'.");
            var file = parse.GetValue(output)!;
            await File.WriteAllBytesAsync(file.FullName, stored.Content, ct);
            environment.Out.WriteLine($"Wrote {file.FullName} ({stored.Content.Length} bytes, SHA-256 {stored.Sha256}).");
            return ExitCodes.Success;
        }));
        var exportPeriod = new Option<string>("--period") { Description = "Billing period, YYYY-MM.", Required = true };
        var format = new Option<string>("--format") { Description = "efactura: the RO e-Factura UBL XML.", Required = true };
        var directory = new Option<DirectoryInfo>("--out") { Description = "The directory to write one file per invoice to.", Required = true };
        var export = new Command("export", "Write a period's e-Factura documents (the bytes stored when each was generated), one file per invoice " +
            "named by its number; the invoices that are not exportable are listed with what they lack (exit 1 when any).") { exportPeriod, format, directory };
        export.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var wanted = parse.GetValue(exportPeriod)!;
            if (!DateOnly.TryParseExact(wanted + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                throw new ArgumentException($"--period must be YYYY-MM, not '{wanted}'.");
            }
            if (parse.GetValue(format) != "efactura")
            {
                throw new ArgumentException($"--format must be efactura, not '{parse.GetValue(format)}'.");
            }
            var folder = parse.GetValue(directory)!;
            folder.Create();
            var invoices = await ListAsync(services.GetRequiredService<ReportQueries>(), new InvoiceFilter(PeriodFrom: wanted, PeriodTo: wanted), ct);
            var documents = services.GetRequiredService<EFacturaDocuments>();
            var refused = new List<IReadOnlyList<string>>();
            foreach (var invoice in invoices)
            {
                var download = (await documents.GetAsync(invoice.Id, ct))!;
                if (download.Document is { Content: { } content })
                {
                    var file = Path.Combine(folder.FullName, $"{download.Number}.xml");
                    await File.WriteAllBytesAsync(file, content, ct);
                    environment.Out.WriteLine($"Wrote {file} ({content.Length} bytes, SHA-256 {download.Document.Sha256}).");
                }
                else
                {
                    refused.Add([download.Number, invoice.ClientId, string.Join(", ", download.MissingFields.Concat(download.Findings.Select(f => $"{f.Rule}: {f.Message}")))]);
                }
            }
            environment.Out.WriteLine($"{invoices.Count - refused.Count} of {invoices.Count} invoices of {wanted} exported to {folder.FullName}.");
            if (refused.Count == 0)
            {
                return ExitCodes.Success;
            }
            environment.Out.WriteLine("Not exportable:");
            Output.WriteTable(environment.Out, ["number", "client", "missing or failed"], refused);
            return ExitCodes.Failure;
        }));
        var creditTarget = new Argument<string>("invoice") { Description = "The invoice number (or id)." };
        var reason = new Option<string>("--reason") { Description = "Why it is credited (on the credit note).", Required = true };
        var creditAmount = new Option<decimal?>("--amount") { Description = "An amount in the invoice's prices, spread over its lines." };
        var share = new Option<decimal?>("--share") { Description = "A share of every line, more than 0 and at most 1." };
        var lines = new Option<string[]>("--line") { Description = "key=amount per line (fee, minutes, late:YYYY-MM); repeatable.", AllowMultipleArgumentsPerToken = true };
        var credit = new Command("credit", "Issue a credit note (storno) of an invoice: the whole of what is left unless --amount, --share or --line says otherwise; " +
            "at the invoice's VAT rates, audited as cli:<os user>.") { creditTarget, reason, creditAmount, share, lines };
        credit.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var id = await PaymentCommands.InvoiceIdAsync(services.GetRequiredService<BillingDbContext>(), parse.GetValue(creditTarget)!, ct);
            var perLine = parse.GetValue(lines) is { Length: > 0 } given
                ? given.Select(l => l.Split('=', 2) is [var key, var value] && decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var a)
                    ? new CreditNoteRequest.LineCredit(key, a)
                    : throw new ArgumentException($"--line must be key=amount (fee=100.00), not '{l}'.")).ToList()
                : null;
            var result = await services.GetRequiredService<CreditNoteService>().IssueAsync(id,
                new CreditNoteRequest(parse.GetValue(reason), Amount: parse.GetValue(creditAmount), Share: parse.GetValue(share), Lines: perLine),
                Actor.CurrentCliUser(), ct);
            switch (result.Outcome)
            {
                case CreditNoteService.Outcome.InvoiceNotFound:
                    throw new CliException("No such invoice: see 'billing invoices list'.");
                case CreditNoteService.Outcome.Refused:
                    throw new ArgumentException($"{result.Field}: {result.Reason}");
                case CreditNoteService.Outcome.Conflict:
                    throw new CliException(result.Reason!);
            }
            var note = result.CreditNote!;
            environment.Out.WriteLine($"Issued credit note {note.Number}: {Amount(note.GrossAmount)} {note.Currency} ({Amount(note.NetAmount)} + VAT " +
                $"{Amount(note.VatAmount)}) of invoice {result.Invoice!.Number}, now {TextEnum.ToText(result.Invoice.Status, TextCase.Upper)}" +
                (note.Content is null ? $"; its e-Factura document failed {string.Join(", ", note.Findings.Select(f => f.Rule).Distinct())}." : "."));
            return ExitCodes.Success;
        }));
        var reissueTarget = new Argument<string>("invoice") { Description = "The CANCELLED invoice's number (or id)." };
        var reissue = new Command("reissue", "Issue the corrected invoice of a period whose invoice was credited in full (new number, the parties as they are now).") { reissueTarget };
        reissue.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var id = await PaymentCommands.InvoiceIdAsync(services.GetRequiredService<BillingDbContext>(), parse.GetValue(reissueTarget)!, ct);
            var result = await services.GetRequiredService<InvoiceReissue>().ReissueAsync(id, Actor.CurrentCliUser(), ct);
            if (result.Outcome != InvoiceReissue.Outcome.Issued)
            {
                throw new CliException(result.Reason ?? "No such invoice: see 'billing invoices list'.");
            }
            environment.Out.WriteLine($"Issued invoice {result.Invoice!.Number} for {result.Invoice.Period} of {result.Invoice.ClientId}: " +
                $"{Amount(result.Invoice.Total)} {result.Invoice.Currency}" +
                (result.Invoice.MissingFields.Length == 0 ? "." : $"; e-Factura still lacks {string.Join(", ", result.Invoice.MissingFields)}."));
            return ExitCodes.Success;
        }));
        return new Command("invoices", "Invoices (\"Factura\").") { list, pdf, export, credit, reissue };
    }

    /// <summary>
    /// Every invoice the filter matches, read with the API's query as the local operator, page by page, in the order an
    /// operator reads them: by period, then number (by length first: "…-1000000" must not sort before "…-999999").
    /// </summary>
    public static async Task<List<InvoiceRow>> ListAsync(ReportQueries queries, InvoiceFilter filter, CancellationToken ct)
    {
        var invoices = new List<InvoiceRow>();
        string? cursor = null;
        do
        {
            var page = await queries.InvoicesAsync(Caller.LocalOperator, filter, InvoiceSort.Default, ReportQueries.MaxLimit, cursor, ct);
            invoices.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return invoices.OrderBy(i => i.Period, StringComparer.Ordinal).ThenBy(i => i.Number?.Length ?? 0).ThenBy(i => i.Number, StringComparer.Ordinal)
            .ThenBy(i => i.ClientId, StringComparer.Ordinal).ToList();
    }

    /// <summary>The invoice table; an invoice issued before VAT existed shows its total as net and no VAT.</summary>
    public static void WriteTable(TextWriter writer, IReadOnlyList<InvoiceRow> invoices) =>
        Output.WriteTable(writer,
            ["number", "client", "period", "minutes", "calls", "ok", "minutes amt", "fixed fee", "late", "net", "vat", "total", "cur", "status", "due"],
            invoices.Select(i => (IReadOnlyList<string>)[i.Number ?? "", i.ClientId, i.Period, i.Minutes.ToString("0.####", CultureInfo.InvariantCulture),
                i.TotalCalls.ToString(CultureInfo.InvariantCulture), i.SuccessfulCalls.ToString(CultureInfo.InvariantCulture), Amount(i.MinutesAmount),
                Amount(i.FixedFee), Amount(i.LateUsageAmount), Amount(i.NetAmount ?? i.Total), Amount(i.VatAmount ?? 0m), Amount(i.Total), i.Currency,
                TextEnum.ToText(i.Status, TextCase.Upper), i.DueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)]),
            rightAligned: new HashSet<int> { 3, 4, 5, 6, 7, 8, 9, 10, 11 });

    public static string Amount(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
