using System.Security.Cryptography;
using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.EFactura;
using Billing.Domain.Payments;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Invoicing.CreditNotes;

/// <summary>What to credit: the whole of what is left (default), an amount, a share of every line, or amounts per line.</summary>
/// <param name="Amount">In the invoice's prices (net on a net basis, gross on a gross basis), spread over the lines by what is left of each.</param>
/// <param name="Share">0 &lt; share ≤ 1 of every line's amount.</param>
public sealed record CreditNoteRequest(string? Reason, bool Whole = false, decimal? Amount = null, decimal? Share = null,
    IReadOnlyList<CreditNoteRequest.LineCredit>? Lines = null)
{
    /// <param name="Line"><c>fee</c>, <c>minutes</c> or <c>late:YYYY-MM</c>.</param>
    /// <param name="Amount">In the invoice's prices, at most what is left of that line.</param>
    public sealed record LineCredit(string Line, decimal Amount);
}

/// <summary>
/// Issues credit notes. Under the invoice's row lock (the one lock order: invoice, then client): what is left of each
/// line, the credited lines at the invoice's own rates and price basis (<see cref="VatComputation"/>; the note that
/// credits everything left takes exactly what is left, so a fully credited invoice nets to zero to the cent), a number of
/// its own series, its UBL CreditNote validated and stored, the invoice's <c>creditedAmount</c>, and its money and status
/// (<see cref="PaymentService.SettleCreditNoteAsync"/>: CANCELLED when fully credited; what was paid beyond what is
/// left becomes client credit), with the audit rows, in one transaction.
/// </summary>
public sealed class CreditNoteService(BillingDbContext db, PaymentService payments, InvoiceNumbers numbers, AuditTrail audit, TimeProvider clock)
{
    public const int MaxReason = 300;

    public enum Outcome { Issued, InvoiceNotFound, Refused, Conflict }

    public sealed record Result(Outcome Outcome, CreditNote? CreditNote = null, Invoice? Invoice = null, string? Field = null, string? Reason = null)
    {
        public static Result Refuse(string field, string reason) => new(Outcome.Refused, Field: field, Reason: reason);
    }

    public async Task<Result> IssueAsync(Guid invoiceId, CreditNoteRequest request, Actor actor, CancellationToken ct)
    {
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReason)
        {
            return Result.Refuse("reason", $"Say why the invoice is credited (1 to {MaxReason} characters).");
        }
        if (new[] { request.Whole, request.Amount is not null, request.Share is not null, request.Lines is not null }.Count(x => x) > 1)
        {
            return Result.Refuse("body", "Give one of whole, amount, share or lines (none: the whole of what is left).");
        }

        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var invoice = await db.Invoices.FromSql($"""SELECT * FROM "Factura" WHERE "id" = {invoiceId} FOR UPDATE""").SingleOrDefaultAsync(ct);
        if (invoice is null)
        {
            return new Result(Outcome.InvoiceNotFound);
        }
        if (invoice.Status == InvoiceStatus.Cancelled)
        {
            return new Result(Outcome.Conflict, Field: "status", Reason: $"Invoice {invoice.Number} is cancelled: it is fully credited already.");
        }
        if (invoice.NetAmount is null || invoice.VatCategory is null || invoice.Number is null || invoice.PriceBasis is not { } basis)
        {
            return new Result(Outcome.Conflict, Field: "invoiceId",
                Reason: $"Invoice {invoice.Number ?? invoice.Id.ToString()} was issued before VAT was computed: it cannot be credited at its VAT rates.");
        }
        await db.Entry(invoice).Collection(i => i.LateUsage).LoadAsync(ct);
        await db.Entry(invoice).Collection(i => i.VatBreakdown).LoadAsync(ct);
        await db.Entry(invoice).Collection(i => i.Parties).LoadAsync(ct);
        var periods = await EFacturaDocuments.OriginalPeriodsAsync(db, [invoice], ct);
        var lines = InvoiceLines.Of(invoice, periods.Where(p => p.Key.Client == invoice.ClientId).ToDictionary(p => p.Key.Period, p => p.Value));
        var earlier = await db.CreditNotes.AsNoTracking().AsSplitQuery().Include(n => n.Lines).Include(n => n.VatBreakdown)
            .Where(n => n.InvoiceId == invoice.Id).ToListAsync(ct);
        var left = lines.ToDictionary(l => l.Key, l => l.Amount - earlier.SelectMany(n => n.Lines).Where(c => c.InvoiceLine == l.Key).Sum(c => c.Amount));

        var (credits, refusal) = Credits(request, lines, left);
        if (refusal is not null)
        {
            return refusal;
        }
        var credited = lines.Where(l => credits[l.Key] > 0).ToList();
        if (credited.Count == 0)
        {
            return Result.Refuse("amount", $"Nothing is left to credit on invoice {invoice.Number}.");
        }

        var now = clock.GetUtcNow();
        var note = new CreditNote
        {
            Id = Guid.CreateVersion7(now),
            Number = await numbers.TakeCreditNoteNumberAsync(now, ct),
            InvoiceId = invoice.Id,
            ClientId = invoice.ClientId,
            Currency = invoice.Currency,
            Reason = reason,
            IssueDate = IssuerCalendar.DayOf(now),
            IssuedAt = now,
            CreatedAt = now,
        };
        var closing = lines.All(l => credits[l.Key] == left[l.Key]);
        Price(note, invoice, basis, credited, credits, closing, earlier);
        if (note.GrossAmount <= 0 || note.GrossAmount > invoice.Total - invoice.CreditedAmount)
        {
            return Result.Refuse("amount", $"The credit would be {note.GrossAmount} {invoice.Currency}; what is left of invoice {invoice.Number} is " +
                $"{invoice.Total - invoice.CreditedAmount} {invoice.Currency}.");
        }

        Document(note, invoice);
        db.CreditNotes.Add(note);
        invoice.CreditedAmount += note.GrossAmount;
        audit.Record(actor, AuditEntities.CreditNote, note.Id.ToString(), null, new
        {
            note.Number,
            Invoice = invoice.Number,
            note.NetAmount,
            note.VatAmount,
            note.GrossAmount,
            note.Currency,
            Lines = note.Lines.Select(l => new { l.InvoiceLine, l.Amount, l.Net, l.VatRate }),
            Exportable = note.Content is not null,
        }, "issued", invoice.ClientId, invoice.Id, reason);
        await payments.SettleCreditNoteAsync(invoice, note.Number, actor, ct);
        await db.SaveChangesAsync(ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return new Result(Outcome.Issued, note, invoice);
    }

    /// <summary>How much of each line the request credits, or why it is refused (each field named as the request named it).</summary>
    private static (Dictionary<string, decimal> Credits, Result? Refusal) Credits(CreditNoteRequest request, IReadOnlyList<InvoiceLineItem> lines,
        Dictionary<string, decimal> left)
    {
        var credits = lines.ToDictionary(l => l.Key, _ => 0m);
        if (request.Lines is { } asked)
        {
            for (var i = 0; i < asked.Count; i++)
            {
                var (key, amount) = (asked[i].Line, asked[i].Amount);
                if (!left.TryGetValue(key ?? "", out var rest))
                {
                    return (credits, Result.Refuse($"lines[{i}].line", $"The invoice has no line '{key}' (it has {string.Join(", ", lines.Select(l => l.Key))})."));
                }
                if (credits[key!] != 0)
                {
                    return (credits, Result.Refuse($"lines[{i}].line", $"Line '{key}' is given twice."));
                }
                if (AmountProblem(amount) is { } problem)
                {
                    return (credits, Result.Refuse($"lines[{i}].amount", problem));
                }
                if (amount > rest)
                {
                    return (credits, Result.Refuse($"lines[{i}].amount", $"At most {rest} is left of line '{key}'."));
                }
                credits[key!] = amount;
            }
            if (asked.Count == 0)
            {
                return (credits, Result.Refuse("lines", "Give at least one line."));
            }
        }
        else if (request.Share is { } share)
        {
            if (share is <= 0 or > 1)
            {
                return (credits, Result.Refuse("share", "A share is more than 0 and at most 1."));
            }
            foreach (var line in lines)
            {
                var amount = Money.Round(line.Amount * share);
                if (amount > left[line.Key])
                {
                    return (credits, Result.Refuse("share", $"{share} of line '{line.Key}' is {amount}; only {left[line.Key]} is left of it."));
                }
                credits[line.Key] = amount;
            }
        }
        else if (request.Amount is { } total)
        {
            var available = left.Values.Sum();
            if (AmountProblem(total) is { } problem)
            {
                return (credits, Result.Refuse("amount", problem));
            }
            if (total > available)
            {
                return (credits, Result.Refuse("amount", $"At most {available} is left to credit (in the invoice's prices)."));
            }
            foreach (var (key, amount) in Spread(total, lines.Select(l => (l.Key, left[l.Key])).ToList()))
            {
                credits[key] = amount;
            }
        }
        else
        {
            foreach (var line in lines)
            {
                credits[line.Key] = left[line.Key];
            }
        }
        return (credits, null);
    }

    /// <summary>An amount over lines in proportion to what is left of each, to the cent by largest remainder (ties to the earlier line).</summary>
    private static IEnumerable<(string Key, decimal Amount)> Spread(decimal total, IReadOnlyList<(string Key, decimal Left)> lines)
    {
        var available = lines.Sum(l => l.Left);
        var exact = lines.Select(l => (l.Key, Exact: available == 0 ? 0 : total * l.Left / available)).ToList();
        var floors = exact.Select(e => Math.Floor(e.Exact * 100) / 100).ToArray();
        var cents = (int)Math.Round((total - floors.Sum()) * 100);
        foreach (var i in Enumerable.Range(0, exact.Count).OrderByDescending(i => exact[i].Exact - floors[i]).ThenBy(i => i).Take(cents))
        {
            floors[i] += 0.01m;
        }
        return exact.Select((e, i) => (e.Key, floors[i]));
    }

    private static string? AmountProblem(decimal amount) =>
        amount <= 0 ? "The amount must be more than 0." : Money.Round(amount) != amount ? $"The amount has at most {Money.Decimals} decimals." : null;

    /// <summary>
    /// The note's line nets, breakdowns and totals at the invoice's rates and basis. The note that credits everything left
    /// takes exactly what is left (the invoice's nets and breakdowns less the earlier notes'), so no cent is left over.
    /// </summary>
    private static void Price(CreditNote note, Invoice invoice, PriceBasis basis, IReadOnlyList<InvoiceLineItem> credited,
        Dictionary<string, decimal> credits, bool closing, IReadOnlyList<CreditNote> earlier)
    {
        var exemptions = invoice.VatBreakdown.GroupBy(b => b.Category).ToDictionary(g => g.Key, g => g.First());
        IReadOnlyList<decimal> nets;
        List<(string Category, decimal Rate, decimal Net, decimal Vat)> breakdowns;
        if (closing)
        {
            nets = credited.Select(l => l.Net - earlier.SelectMany(n => n.Lines).Where(c => c.InvoiceLine == l.Key).Sum(c => c.Net)).ToList();
            breakdowns = invoice.VatBreakdown.Select(b =>
            {
                var before = earlier.SelectMany(n => n.VatBreakdown).Where(e => e.Category == b.Category && e.RatePercent == b.RatePercent).ToList();
                return (b.Category, b.RatePercent, b.Net - before.Sum(e => e.Net), b.Vat - before.Sum(e => e.Vat));
            }).Where(b => b.Item3 != 0 || b.Item4 != 0).ToList();
        }
        else
        {
            var vat = VatComputation.Compute(credited.Select(l => new TaxableLine(credits[l.Key], CategoryOf(l.VatCategory), l.VatRate)).ToList(), basis);
            nets = vat.LineNets;
            breakdowns = vat.Breakdowns.Select(b => (b.Category.Code(), b.RatePercent, b.Net, b.Vat)).ToList();
        }
        note.Lines = credited.Select((l, i) => new CreditNoteLine
        {
            CreditNoteId = note.Id,
            LineNo = i + 1,
            InvoiceLine = l.Key,
            Description = l.Description,
            Amount = credits[l.Key],
            Net = nets[i],
            VatCategory = l.VatCategory,
            VatRate = l.VatRate,
            PeriodStart = l.PeriodStart,
            PeriodEnd = l.PeriodEnd,
        }).ToList();
        note.VatBreakdown = breakdowns.Select(b => new CreditNoteVatBreakdown
        {
            CreditNoteId = note.Id,
            Category = b.Category,
            RatePercent = b.Rate,
            Net = b.Net,
            Vat = b.Vat,
            ExemptionReasonCode = exemptions.GetValueOrDefault(b.Category)?.ExemptionReasonCode,
            ExemptionReason = exemptions.GetValueOrDefault(b.Category)?.ExemptionReason,
        }).ToList();
        note.NetAmount = note.VatBreakdown.Sum(b => b.Net);
        note.VatAmount = note.VatBreakdown.Sum(b => b.Vat);
        note.GrossAmount = note.NetAmount + note.VatAmount;
        if (invoice.Currency != InvoiceTaxes.Ron && invoice.VatExchangeRate is { } rate)
        {
            note.VatAmountRon = closing && invoice.VatAmountRon is { } ron
                ? ron - earlier.Sum(n => n.VatAmountRon ?? 0)
                : Money.Round(note.VatAmount * rate);
        }
    }

    private static VatCategory CategoryOf(string code) => code switch
    {
        "S" => VatCategory.Standard,
        "O" => VatCategory.NotSubject,
        "AE" => VatCategory.ReverseCharge,
        _ => throw new InvalidOperationException($"VAT category '{code}' is not one this system issues."),
    };

    /// <summary>The note's UBL CreditNote, validated: stored as bytes, or not stored with every failed rule.</summary>
    private static void Document(CreditNote note, Invoice invoice)
    {
        IReadOnlyList<EFacturaFinding> findings;
        byte[]? bytes = null;
        try
        {
            bytes = UblWriter.Write(CreditNoteUbl.From(note, invoice));
            findings = EFacturaValidator.Validate(bytes).Findings;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            findings = [new EFacturaFinding(EFacturaDocuments.BuildRule, e.Message)];
        }
        if (findings.Count == 0 && bytes is not null)
        {
            (note.Content, note.Sha256) = (bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        else
        {
            note.FindingsJson = EFacturaFindings.ToJson(findings);
        }
    }
}
