using System.Security.Cryptography;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Invoicing.Pdf;

/// <summary>
/// An invoice's PDF: rendered the first time it is needed (the e-mail, a download) and stored, so a later code or data
/// change never alters a PDF a client already has. Two first requests at once store one of the two renderings and
/// both answer with it.
/// </summary>
public sealed class InvoicePdfs(BillingDbContext db, InvoiceDocuments documents, TimeProvider clock)
{
    public async Task<InvoicePdf?> GetAsync(Guid invoiceId, CancellationToken ct)
    {
        var stored = await db.InvoicePdfs.AsNoTracking().SingleOrDefaultAsync(p => p.InvoiceId == invoiceId, ct);
        if (stored is not null)
        {
            return stored;
        }
        var document = await documents.LoadAsync(invoiceId, ct);
        if (document is null)
        {
            return null;
        }
        var content = InvoicePdfRenderer.Render(document);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "InvoicePdf" ("facturaId", "content", "sha256", "renderedAt")
            VALUES ({invoiceId}, {content}, {Convert.ToHexStringLower(SHA256.HashData(content))}, {clock.GetUtcNow()})
            ON CONFLICT ("facturaId") DO NOTHING
            """, ct);
        return await db.InvoicePdfs.AsNoTracking().SingleAsync(p => p.InvoiceId == invoiceId, ct);
    }
}
