using System.Security.Cryptography;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Billing.Domain.EFactura;

/// <summary>What a download finds: the stored document, or why there is none (missing fields, failed rules).</summary>
public sealed record EFacturaDownload(string Number, InvoiceEFactura? Document, IReadOnlyList<string> MissingFields, IReadOnlyList<EFacturaFinding> Findings)
{
    public bool Exportable => Document is { Content: not null };
}

/// <summary>
/// The e-Factura documents of invoices: generated once, when an invoice is issued (the billing cycle generates every
/// exportable invoice's right after issuing and applying client credit) or when it first becomes exportable (an
/// invoice issued before this existed: at its first download or export), validated (schema and rules), and stored as
/// bytes. Every later download returns those bytes; a later code change never alters them. A document that fails
/// validation is recorded with every failed rule and the invoice becomes not exportable; nothing is thrown, so one
/// invoice never halts a cycle.
/// </summary>
public sealed class EFacturaDocuments(BillingDbContext db, TimeProvider clock, ILogger<EFacturaDocuments> logger)
{
    public const int BatchSize = 500;
    /// <summary>The rule a document gets when it could not even be built (a bug or impossible data), with the reason.</summary>
    public const string BuildRule = "EFACTURA-BUILD";

    /// <summary>Generates the document of every exportable invoice that has none yet, in batches; returns how many were generated.</summary>
    public async Task<int> GeneratePendingAsync(CancellationToken ct)
    {
        var generated = 0;
        while (true)
        {
            var ids = await Pending().OrderBy(i => i.Id).Select(i => i.Id).Take(BatchSize).ToListAsync(ct);
            var done = ids.Count == 0 ? 0 : await GenerateAsync(ids, ct);
            generated += done;
            if (ids.Count < BatchSize || done == 0)
            {
                return generated;
            }
        }
    }

    /// <summary>The stored document of an invoice (generated now if it is exportable and has none); null when no such invoice.</summary>
    public async Task<EFacturaDownload?> GetAsync(Guid invoiceId, CancellationToken ct)
    {
        var invoice = await db.Invoices.AsNoTracking().Where(i => i.Id == invoiceId).Select(i => new { i.Number, i.MissingFields }).SingleOrDefaultAsync(ct);
        if (invoice is null)
        {
            return null;
        }
        var stored = await db.InvoiceEFacturas.AsNoTracking().SingleOrDefaultAsync(d => d.InvoiceId == invoiceId, ct);
        if (stored is null && invoice.MissingFields.Length == 0)
        {
            await GenerateAsync([invoiceId], ct);
            stored = await db.InvoiceEFacturas.AsNoTracking().SingleOrDefaultAsync(d => d.InvoiceId == invoiceId, ct);
            invoice = await db.Invoices.AsNoTracking().Where(i => i.Id == invoiceId).Select(i => new { i.Number, i.MissingFields }).SingleAsync(ct);
        }
        var missing = invoice.MissingFields.Where(f => !f.StartsWith(EFacturaFindings.MissingPrefix, StringComparison.Ordinal)).ToList();
        return new EFacturaDownload(invoice.Number ?? invoiceId.ToString(), stored?.Content is null ? null : stored, missing, stored?.Findings ?? []);
    }

    private IQueryable<Invoice> Pending() =>
        db.Invoices.AsNoTracking().Where(i => i.MissingFields.Length == 0 && !db.InvoiceEFacturas.Any(d => d.InvoiceId == i.Id));

    /// <summary>Builds, validates and stores the documents of these invoices (those exportable without one); returns how many it stored.</summary>
    public async Task<int> GenerateAsync(IReadOnlyCollection<Guid> invoiceIds, CancellationToken ct)
    {
        var ids = invoiceIds.ToArray();
        var invoices = await Pending().AsSplitQuery().Include(i => i.LateUsage).Include(i => i.VatBreakdown).Include(i => i.Parties)
            .Where(i => ids.Contains(i.Id)).ToListAsync(ct);
        if (invoices.Count == 0)
        {
            return 0;
        }
        var periods = await OriginalPeriodsAsync(db, invoices, ct);
        var results = invoices.Select(i => Build(i, periods)).ToList();

        var now = clock.GetUtcNow();
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        // Another generator may have stored some meanwhile: theirs stand, and only the rows inserted here mark their invoices.
        var inserted = (await new Sql("""
            INSERT INTO "InvoiceEFactura" ("facturaId", "content", "sha256", "findings", "generatedAt")
            SELECT v.id, v.content, v.sha256, v.findings::jsonb, @generated_at
            FROM unnest(@ids::uuid[], @contents::bytea[], @shas::text[], @findings::text[]) AS v(id, content, sha256, findings)
            ON CONFLICT ("facturaId") DO NOTHING
            RETURNING "facturaId"
            """)
            .With("ids", results.Select(r => r.InvoiceId).ToArray())
            .With("contents", results.Select(r => r.Content).ToArray())
            .With("shas", results.Select(r => r.Content is null ? null : Convert.ToHexStringLower(SHA256.HashData(r.Content))).ToArray())
            .With("findings", results.Select(r => EFacturaFindings.ToJson(r.Findings)).ToArray())
            .With("generated_at", now)
            .ListAsync(db, r => r.GetGuid(0), ct)).ToHashSet();
        var failed = results.Where(r => r.Content is null && inserted.Contains(r.InvoiceId)).ToList();
        if (failed.Count > 0)
        {
            await new Sql("""
                UPDATE "Factura" f SET "missingFields" = f."missingFields" || string_to_array(v.rules, ',')
                FROM unnest(@ids::uuid[], @rules::text[]) AS v(id, rules)
                WHERE f."id" = v.id
                """)
                .With("ids", failed.Select(f => f.InvoiceId).ToArray())
                .With("rules", failed.Select(f => string.Join(',', f.Findings.Select(x => EFacturaFindings.MissingPrefix + x.Rule).Distinct())).ToArray())
                .ExecuteAsync(db, ct);
            foreach (var f in failed)
            {
                logger.LogWarning("The e-Factura document of invoice {InvoiceId} failed {FailedRules}; the invoice is not exportable",
                    f.InvoiceId, string.Join(", ", f.Findings.Select(x => x.Rule).Distinct()));
            }
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return inserted.Count - failed.Count;
    }

    private sealed record Generated(Guid InvoiceId, byte[]? Content, IReadOnlyList<EFacturaFinding> Findings);

    private static Generated Build(Invoice invoice, IReadOnlyDictionary<(string Client, string Period), (DateOnly, DateOnly)> periods)
    {
        try
        {
            var own = invoice.LateUsage.Select(l => l.OriginalPeriod).Distinct()
                .Where(p => periods.ContainsKey((invoice.ClientId, p))).ToDictionary(p => p, p => periods[(invoice.ClientId, p)]);
            var bytes = UblWriter.Write(InvoiceUbl.From(invoice, own));
            var validation = EFacturaValidator.Validate(bytes);
            return validation.IsValid ? new Generated(invoice.Id, bytes, []) : new Generated(invoice.Id, null, validation.Findings);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            return new Generated(invoice.Id, null, [new EFacturaFinding(BuildRule, e.Message)]);
        }
    }

    /// <summary>The bounds of the periods late-usage lines came from: the original invoice's.</summary>
    public static async Task<Dictionary<(string Client, string Period), (DateOnly, DateOnly)>> OriginalPeriodsAsync(BillingDbContext db,
        IReadOnlyCollection<Invoice> invoices, CancellationToken ct)
    {
        var wanted = invoices.SelectMany(i => i.LateUsage.Select(l => (i.ClientId, l.OriginalPeriod))).Distinct().ToList();
        if (wanted.Count == 0)
        {
            return [];
        }
        var clients = wanted.Select(w => w.ClientId).Distinct().ToList();
        var periodKeys = wanted.Select(w => w.OriginalPeriod).Distinct().ToList();
        var rows = await db.Invoices.AsNoTracking()
            .Where(i => clients.Contains(i.ClientId) && periodKeys.Contains(i.Period) && i.PeriodStart != null && i.PeriodEnd != null)
            .Select(i => new { i.ClientId, i.Period, Start = i.PeriodStart!.Value, End = i.PeriodEnd!.Value }).ToListAsync(ct);
        return rows.GroupBy(r => (r.ClientId, r.Period)).ToDictionary(g => g.Key, g => (g.First().Start, g.First().End));
    }
}
