using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Domain.Usage;

namespace Billing.Domain.Access;

/// <summary>
/// The one place that narrows data to what a caller may read. Every query an HTTP function runs for a caller
/// starts from one of these, so a client-scoped key cannot reach another client's rows by any filter or id.
/// </summary>
public static class Visibility
{
    public static IQueryable<Invoice> VisibleTo(this IQueryable<Invoice> invoices, Caller caller) =>
        caller.ReadsAllClients ? invoices : invoices.Where(i => i.ClientId == caller.ClientId);

    public static IQueryable<UsageLog> VisibleTo(this IQueryable<UsageLog> calls, Caller caller) =>
        caller.ReadsAllClients ? calls : calls.Where(u => u.ClientId == caller.ClientId);

    public static IQueryable<Payment> VisibleTo(this IQueryable<Payment> payments, Caller caller) =>
        caller.ReadsAllClients ? payments : payments.Where(p => p.Invoice!.ClientId == caller.ClientId);

    public static IQueryable<Invoicing.CreditNotes.CreditNote> VisibleTo(this IQueryable<Invoicing.CreditNotes.CreditNote> notes, Caller caller) =>
        caller.ReadsAllClients ? notes : notes.Where(n => n.ClientId == caller.ClientId);

    public static IQueryable<Client> VisibleTo(this IQueryable<Client> clients, Caller caller) =>
        caller.ReadsAllClients ? clients : clients.Where(c => c.ClientId == caller.ClientId);
}
