using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Payments;

/// <summary>
/// The stable pay link of an invoice (<c>/pay/{token}</c>): what PDFs and e-mails carry instead of a Checkout URL, which
/// expires within a day. Opening it sends the payer to a Checkout Session for the invoice's amount due, reusing an open
/// one for that same amount, so clicking twice does not open two ways to pay the same money.
/// </summary>
public sealed class StripePayLinks(BillingDbContext db, IStripeCheckout stripe, IOptions<StripeOptions> options, TimeProvider clock,
    ILogger<StripePayLinks> logger)
{
    /// <summary>A session closer than this to its expiry is not handed out again: the payer needs time to type a card.</summary>
    private static readonly TimeSpan ReuseMargin = TimeSpan.FromMinutes(15);

    public abstract record Outcome;

    /// <summary>Stripe is not configured: pay links do not exist.</summary>
    public sealed record Disabled : Outcome;

    public sealed record NotFound : Outcome;

    /// <summary>Nothing to pay: the invoice is paid (or its credit covers it) or cancelled.</summary>
    public sealed record Settled(string Number, InvoiceStatus Status, DateTimeOffset? PaidAt) : Outcome;

    public sealed record Redirect(string Url, string SessionId, bool Reused) : Outcome;

    /// <summary>Stripe failed or could not be reached; <see cref="Permanent"/> when it refused the session (retrying cannot help).</summary>
    public sealed record Unavailable(string Reason, bool Permanent) : Outcome;

    /// <summary>The stable link of an invoice, or null while Stripe is off or the invoice does not exist.</summary>
    public async Task<string?> LinkAsync(Guid invoiceId, CancellationToken ct) => options.Value.PayLink(
        await db.Invoices.AsNoTracking().Where(i => i.Id == invoiceId).Select(i => i.PayToken).SingleOrDefaultAsync(ct));

    /// <summary>A token as the database makes them: 64 lowercase hex digits. Anything else is not looked up.</summary>
    public static bool IsWellFormed(string? token) => token is { Length: 64 } && token.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public async Task<Outcome> OpenAsync(string token, CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return new Disabled();
        }
        if (!IsWellFormed(token))
        {
            return new NotFound();
        }
        var invoiceId = await db.Invoices.AsNoTracking().Where(i => i.PayToken == token).Select(i => (Guid?)i.Id).SingleOrDefaultAsync(ct);
        if (invoiceId is null)
        {
            return new NotFound();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Two clicks at once create one session: the second waits here and reuses the first's. An advisory lock, not the
        // invoice row's, so a payment being recorded meanwhile is never held up by a call to Stripe.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('stripe-pay:' || {invoiceId.Value.ToString()}, 0))", ct);
        var invoice = await db.Invoices.AsNoTracking().SingleAsync(i => i.Id == invoiceId, ct);
        if (invoice.Status == InvoiceStatus.Cancelled || invoice.Status == InvoiceStatus.Paid || invoice.AmountDue <= 0)
        {
            return new Settled(invoice.Number ?? invoice.Id.ToString(), invoice.AmountDue <= 0 && invoice.Status != InvoiceStatus.Cancelled
                ? InvoiceStatus.Paid : invoice.Status, invoice.PaidAt);
        }

        var now = clock.GetUtcNow();
        var open = await db.StripeCheckoutSessions
            .Where(s => s.InvoiceId == invoice.Id && s.Status == CheckoutSessionStatus.Open && s.Amount == invoice.AmountDue
                        && s.Currency == invoice.Currency && s.ExpiresAt > now + ReuseMargin)
            .OrderByDescending(s => s.ExpiresAt).FirstOrDefaultAsync(ct);
        if (open is not null)
        {
            return new Redirect(open.Url, open.Id, Reused: true);
        }

        // The key makes a retry after a lost answer return the session Stripe already made instead of a second one.
        var created = await db.StripeCheckoutSessions.CountAsync(s => s.InvoiceId == invoice.Id, ct);
        var email = await db.Clients.AsNoTracking().Where(c => c.ClientId == invoice.ClientId).Select(c => c.BillingEmail ?? c.Email)
            .SingleOrDefaultAsync(ct);
        var number = invoice.Number ?? invoice.Id.ToString();
        var minor = StripeAmounts.ToMinor(invoice.AmountDue, invoice.Currency);
        CreatedCheckoutSession session;
        try
        {
            session = await stripe.CreateSessionAsync(new CheckoutSessionRequest(invoice.Id, number, invoice.ClientId, minor, invoice.Currency,
                now.AddHours(options.Value.SessionHours), string.IsNullOrWhiteSpace(email) ? null : email.Trim(),
                $"invoice-{invoice.Id}-{minor}-{created + 1}"), ct);
        }
        catch (StripeUnavailableException e)
        {
            logger.LogWarning(e, "Stripe could not create a Checkout Session for invoice {InvoiceId}", invoice.Id);
            return new Unavailable(e.Message, Permanent: false);
        }
        catch (StripeRefusedException e)
        {
            logger.LogError(e, "Stripe refused a Checkout Session for invoice {InvoiceId}", invoice.Id);
            return new Unavailable(e.Message, Permanent: true);
        }
        db.StripeCheckoutSessions.Add(new StripeCheckoutSession
        {
            Id = session.Id,
            InvoiceId = invoice.Id,
            Amount = invoice.AmountDue,
            Currency = invoice.Currency,
            Url = session.Url,
            ExpiresAt = session.ExpiresAt,
            CreatedAt = now,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Created Checkout Session {SessionId} for invoice {InvoiceId}", session.Id, invoice.Id);
        return new Redirect(session.Url, session.Id, Reused: false);
    }
}
