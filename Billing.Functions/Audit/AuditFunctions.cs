using System.Text.Json;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Functions.Audit;

/// <summary>
/// The audit trail's two histories: an invoice's (its status, payments, refunds, credit notes) and a client's. A client
/// key reads its own invoices' and its own client's history (in the client view, see <see cref="AuditHistory"/>);
/// another client's ids answer 404 exactly like unknown ones.
/// </summary>
public sealed class AuditFunctions(AuditHistory history, BillingDbContext db, CallerResolver callers)
{
    [Function(nameof(GetInvoiceHistory))]
    public Task<IResult> GetInvoiceHistory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices/{id}/history")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            if (!Guid.TryParse(id, out var invoiceId) || !await db.Invoices.VisibleTo(caller).AnyAsync(i => i.Id == invoiceId, ct))
            {
                return Problems.NotFound($"No invoice '{id}'.");
            }
            return Page(await history.ForInvoiceAsync(invoiceId, caller.ReadsAllClients, ct));
        }, ct);

    [Function(nameof(GetClientHistory))]
    public Task<IResult> GetClientHistory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{clientId}/history")] HttpRequest request, string clientId,
        CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            if (!await db.Clients.VisibleTo(caller).AnyAsync(c => c.ClientId == clientId, ct))
            {
                return Problems.NotFound($"No client '{clientId}'.");
            }
            return Page(await history.ForClientAsync(clientId, caller.ReadsAllClients, ct));
        }, ct);

    // JSON only: before/after are objects, which CSV has no columns for. At most AuditHistory.MaxRows rows, oldest first.
    private static IResult Page(List<AuditRecord> rows) => TypedResults.Ok(new Listing.Page<AuditView>(rows.Select(AuditView.From).ToList(), null));
}

/// <summary>One change as the histories show it: before/after are the changed fields as JSON objects.</summary>
public sealed record AuditView(long Id, string OccurredAt, [property: AgencyOnly] string Actor, string Entity, string EntityId, string Action, string? ClientId,
    Guid? InvoiceId, JsonElement? Before, JsonElement? After, string? Reason)
{
    public static AuditView From(AuditRecord r) => new(r.Id, Formats.Instant(r.OccurredAt), r.Actor, r.Entity, r.EntityId, r.Action,
        r.ClientId, r.InvoiceId, Parse(r.Before), Parse(r.After), r.Reason);

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
