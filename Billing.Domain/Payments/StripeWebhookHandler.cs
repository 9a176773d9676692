using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Billing.Domain.Payments;

/// <summary>
/// Stripe's webhook (<c>POST /api/stripe/webhook</c>): verifies the <c>Stripe-Signature</c> with Stripe.net against every
/// configured endpoint secret, then records what the event says about our invoices, exactly once. One payment is one row,
/// keyed by its PaymentIntent id (both <c>checkout.session.completed</c> and <c>payment_intent.succeeded</c> describe it);
/// a refund is one row keyed by its refund id; a failed attempt is one FAILED row keyed by its charge. The event is
/// stored in the same transaction (<see cref="StripeEvent"/>), so it is durable before the 2xx and a redelivery is a no-op;
/// a refund that arrives before its payment waits, stored, and is applied in the transaction that records the payment.
/// </summary>
public sealed class StripeWebhookHandler(BillingDbContext db, PaymentService payments, IOptions<StripeOptions> options, TimeProvider clock,
    ILogger<StripeWebhookHandler> logger)
{
    /// <summary>Stripe's events are a few kilobytes; a body past this is not one of them.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public const string SignatureHeader = "Stripe-Signature";

    /// <summary>The event types this app acts on; any other is acknowledged and not stored.</summary>
    public static readonly IReadOnlySet<string> HandledTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "checkout.session.completed", "payment_intent.succeeded", "payment_intent.payment_failed",
        "refund.created", "refund.updated", "charge.refunded",
    };

    public abstract record Outcome;

    /// <summary>The signature is missing, malformed (400) or proves nothing (401); <see cref="Field"/> names what is wrong.</summary>
    public sealed record Refused(int Status, string Field, string Message) : Outcome;

    /// <summary>Signed by Stripe, but for an API version Stripe.net does not read (the endpoint's version is not ours): 422.</summary>
    public sealed record VersionMismatch(string EventVersion, string Message) : Outcome;

    public sealed record Verified(Event Event, string Body) : Outcome;

    /// <summary>Nothing to record: a type we do not handle, or a payment that is not one of our invoices'. Nothing was written.</summary>
    public sealed record Ignored(string EventId, string Type, string Reason) : Outcome;

    /// <summary>The event was stored (now, or by an earlier delivery when <see cref="Replayed"/>).</summary>
    public sealed record Stored(string EventId, string Type, StripeEventState State, string? Detail, bool Replayed) : Outcome;

    /// <summary>
    /// Checks the signature (Stripe.net's <see cref="EventUtility.ValidateSignature(string, string, string, long, long)"/>,
    /// HMAC-SHA256 over <c>t.body</c>, constant-time compare, the tolerance around the injected clock's now) against each
    /// configured secret, then parses the event with Stripe.net, which refuses another API version than its pinned one.
    /// </summary>
    public Outcome Verify(string body, string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return new Refused(401, SignatureHeader, "Required: Stripe signs every webhook with a Stripe-Signature header.");
        }
        if (!IsWellFormed(header))
        {
            return new Refused(400, SignatureHeader, "Expected t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=…].");
        }
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var tolerance = options.Value.SignatureToleranceSeconds;
        var matched = false;
        var fresh = false;
        foreach (var secret in options.Value.WebhookSecrets)
        {
            if (Validates(body, header, secret, tolerance, now))
            {
                fresh = true;
                break;
            }
            // Told apart only to say why: a valid signature outside the tolerance is a replay or a wrong clock.
            matched |= Validates(body, header, secret, long.MaxValue, now);
        }
        if (!fresh)
        {
            return new Refused(401, SignatureHeader, matched
                ? $"The signature's timestamp is more than {tolerance} s from now: a replayed or delayed delivery."
                : "No v1 signature matches the body under any configured webhook secret.");
        }

        if (ShapeProblem(body) is { } shape)
        {
            return new Refused(400, shape.Field, shape.Message);
        }
        try
        {
            return new Verified(EventUtility.ParseEvent(body, throwOnApiVersionMismatch: true), body);
        }
        catch (StripeException e)
        {
            var version = JsonDocument.Parse(body).RootElement.GetProperty("api_version").GetString() ?? "";
            logger.LogError("A Stripe event of API version {EventVersion} was refused: this app reads {PinnedVersion}. {Message}", version,
                StripeApi.PinnedVersion, e.Message);
            return new VersionMismatch(version,
                $"The event is of API version {version}; this app reads {StripeApi.PinnedVersion}. Set the webhook endpoint's API version to " +
                $"{StripeApi.PinnedVersion} in Stripe: the event is delivered again for 3 days.");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException)
        {
            return new Refused(400, "body", "Not a Stripe event object.");
        }
    }

    /// <summary>Records a verified event: stores it, applies it to its invoice, and answers what became of it.</summary>
    public async Task<Outcome> RecordAsync(Verified verified, CancellationToken ct)
    {
        var e = verified.Event;
        if (!HandledTypes.Contains(e.Type))
        {
            return new Ignored(e.Id, e.Type, "not an event this app handles");
        }
        if (Subject(e) is not var (objectId, paymentIntentId, ours) || !ours)
        {
            logger.LogInformation("Stripe event {EventId} ({Type}) is not about one of our invoices; nothing stored", e.Id, e.Type);
            return new Ignored(e.Id, e.Type, "not a payment of one of our invoices");
        }

        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var created = new DateTimeOffset(DateTime.SpecifyKind(e.Created, DateTimeKind.Utc));
        // The event's id is the guard: a redelivery (or two at once: the second waits on the key) stores nothing.
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "StripeEvent" ("id", "type", "apiVersion", "objectId", "paymentIntentId", "state", "payload", "stripeCreatedAt", "receivedAt", "updatedAt")
            VALUES ({e.Id}, {e.Type}, {e.ApiVersion}, {objectId}, {paymentIntentId}, 'NOTED', {Minimized(verified.Body)}::jsonb, {created}, {now}, {now})
            ON CONFLICT ("id") DO NOTHING
            """, ct);
        if (inserted == 0)
        {
            var earlier = await db.StripeEvents.AsNoTracking().SingleAsync(s => s.Id == e.Id, ct);
            return new Stored(e.Id, e.Type, earlier.State, earlier.Detail, Replayed: true);
        }
        if (paymentIntentId is not null)
        {
            // Everything about one PaymentIntent, one event after the other: a refund cannot slip past the payment it waits for.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('stripe-pi:' || {paymentIntentId}, 0))", ct);
        }
        var row = await db.StripeEvents.SingleAsync(s => s.Id == e.Id, ct);
        var applied = await ApplyAsync(e, created, ct);
        (row.State, row.Detail, row.InvoiceId, row.UpdatedAt) = (applied.State, Truncate(applied.Detail), await ExistingAsync(applied.InvoiceId, ct), now);
        if (applied.PaymentRecorded && paymentIntentId is not null)
        {
            await ApplyWaitingRefundsAsync(paymentIntentId, now, ct);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Stripe event {EventId} ({Type}) stored as {State}", e.Id, e.Type, applied.State);
        return new Stored(e.Id, e.Type, applied.State, row.Detail, Replayed: false);
    }

    private sealed record Applied(StripeEventState State, string Detail, Guid? InvoiceId = null, bool PaymentRecorded = false);

    /// <summary>(object id, PaymentIntent id, whether it is ours). A refund's payment decides later whether it is ours.</summary>
    private static (string ObjectId, string? PaymentIntentId, bool Ours)? Subject(Event e) => e.Data.Object switch
    {
        Session s => (s.Id, s.PaymentIntentId, StripeApi.InvoiceOf(s.Metadata) is not null),
        PaymentIntent p => (p.Id, p.Id, StripeApi.InvoiceOf(p.Metadata) is not null),
        // Our payments are PaymentIntents: a refund or charge without one is not ours.
        Refund r => (r.Id, r.PaymentIntentId, r.PaymentIntentId is not null),
        Charge c => (c.Id, c.PaymentIntentId, c.PaymentIntentId is not null),
        _ => null,
    };

    private async Task<Applied> ApplyAsync(Event e, DateTimeOffset created, CancellationToken ct)
    {
        switch (e.Data.Object)
        {
            case Session session:
                // Complete before the payment settles the invoice, so the outbox does not try to expire it.
                await db.StripeCheckoutSessions.Where(s => s.Id == session.Id)
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, CheckoutSessionStatus.Complete), ct);
                if (session.PaymentStatus != "paid" || session.PaymentIntentId is null)
                {
                    return new Applied(StripeEventState.Noted,
                        $"Session {session.Id} completed with payment status '{session.PaymentStatus}': its PaymentIntent's success records the money.",
                        StripeApi.InvoiceOf(session.Metadata));
                }
                return await RecordPaymentAsync(StripeApi.InvoiceOf(session.Metadata)!.Value, session.PaymentIntentId, session.AmountTotal ?? 0,
                    session.Currency, created, ct);
            case PaymentIntent intent when e.Type == "payment_intent.succeeded":
                return await RecordPaymentAsync(StripeApi.InvoiceOf(intent.Metadata)!.Value, intent.Id, intent.AmountReceived, intent.Currency,
                    created, ct);
            case PaymentIntent intent:
                return await RecordFailureAsync(e, intent, created, ct);
            case Refund refund:
                return await ApplyRefundAsync(refund, ct);
            case Charge charge:
                return await ApplyRefundsAsync(charge.Refunds?.Data, $"Charge {charge.Id} carries no refund list: its refunds are recorded from their refund.* events.", ct);
            default:
                return new Applied(StripeEventState.Noted, "Nothing to record.");
        }
    }

    /// <summary>A succeeded payment, keyed by its PaymentIntent: the second event of the same payment finds it recorded.</summary>
    private async Task<Applied> RecordPaymentAsync(Guid invoiceId, string paymentIntentId, long amountMinor, string currency, DateTimeOffset paidAt,
        CancellationToken ct)
    {
        var code = currency.ToUpperInvariant();
        var amount = StripeAmounts.FromMinor(amountMinor, code);
        var result = await payments.RecordAsync(new PaymentService.NewPayment(invoiceId, amount, code, PaymentMethod.Card, PaymentStatus.Completed,
            paymentIntentId, paidAt, Received: true), Actor.Stripe, ct);
        switch (result.Outcome)
        {
            case PaymentService.Outcome.Recorded:
                return new Applied(StripeEventState.Applied, $"Payment {result.Payment!.Id} of {Money.Text(amount, code)} recorded.", invoiceId, PaymentRecorded: true);
            case PaymentService.Outcome.AlreadyRecorded when result.Payment!.Amount == amount && result.Payment.Status == PaymentStatus.Completed:
                return new Applied(StripeEventState.Applied, $"Payment {result.Payment.Id} was already recorded.", invoiceId, PaymentRecorded: true);
            case PaymentService.Outcome.AlreadyRecorded:
                return await ReviewAsync(invoiceId, $"Stripe reports {paymentIntentId} as {Money.Text(amount, code)} paid, but it is recorded as " +
                    $"{TextEnum.ToText(result.Payment!.Status, TextCase.Upper)} {Money.Text(result.Payment.Amount, result.Payment.Currency)}.", ct);
            case PaymentService.Outcome.InvoiceNotFound:
                return new Applied(StripeEventState.Review, $"{Money.Text(amount, code)} paid ({paymentIntentId}) for invoice {invoiceId}, which does not exist.");
            default:
                return await ReviewAsync(invoiceId, $"{Money.Text(amount, code)} paid ({paymentIntentId}) could not be recorded: {result.Reason}", ct);
        }
    }

    /// <summary>
    /// A failed attempt as a FAILED row (the failed-payments monitor reads them), one per failed charge: a PaymentIntent
    /// may fail with one card and succeed with the next, and its success is its own COMPLETED row.
    /// </summary>
    private async Task<Applied> RecordFailureAsync(Event e, PaymentIntent intent, DateTimeOffset created, CancellationToken ct)
    {
        var invoiceId = StripeApi.InvoiceOf(intent.Metadata)!.Value;
        var code = intent.Currency.ToUpperInvariant();
        var error = intent.LastPaymentError;
        // An attempt refused before any charge (authentication) has no charge id; its event is then the only name it has.
        var attempt = error?.Charge ?? intent.LatestChargeId ?? $"{intent.Id}/{e.Id}";
        var reason = error is null ? null
            : Truncate(string.Join(": ", new[] { error.DeclineCode ?? error.Code, error.Message }.Where(t => !string.IsNullOrWhiteSpace(t))));
        var result = await payments.RecordAsync(new PaymentService.NewPayment(invoiceId, StripeAmounts.FromMinor(intent.Amount, code), code,
            PaymentMethod.Card, PaymentStatus.Failed, attempt, created, Reference: intent.Id, Reason: reason), Actor.Stripe, ct);
        return result.Outcome switch
        {
            PaymentService.Outcome.Recorded => new Applied(StripeEventState.Applied, $"Failed attempt {attempt} recorded.", invoiceId),
            PaymentService.Outcome.AlreadyRecorded => new Applied(StripeEventState.Applied, $"Failed attempt {attempt} was already recorded.", invoiceId),
            _ => new Applied(StripeEventState.Noted, $"Failed attempt {attempt} not recorded: {result.Reason ?? "no such invoice"}", invoiceId),
        };
    }

    private async Task<Applied> ApplyRefundsAsync(IEnumerable<Refund>? refunds, string none, CancellationToken ct)
    {
        var results = new List<Applied>();
        foreach (var refund in refunds ?? [])
        {
            results.Add(await ApplyRefundAsync(refund, ct));
        }
        if (results.Count == 0)
        {
            return new Applied(StripeEventState.Noted, none);
        }
        var state = results.Any(r => r.State == StripeEventState.Review) ? StripeEventState.Review
            : results.Any(r => r.State == StripeEventState.Waiting) ? StripeEventState.Waiting
            : results.Any(r => r.State == StripeEventState.Applied) ? StripeEventState.Applied : StripeEventState.Noted;
        return new Applied(state, string.Join(" ", results.Select(r => r.Detail)), results.Select(r => r.InvoiceId).FirstOrDefault(i => i is not null));
    }

    /// <summary>A refund object, keyed by its refund id; only a succeeded refund moves money.</summary>
    private async Task<Applied> ApplyRefundAsync(Refund refund, CancellationToken ct)
    {
        var recorded = await db.Payments.AsNoTracking().Where(p => p.TransactionId == refund.Id && p.RefundOf != null)
            .Select(p => (Guid?)p.InvoiceId).SingleOrDefaultAsync(ct);
        if (refund.Status != "succeeded")
        {
            if (recorded is { } invoiceOfRefund && refund.Status is "failed" or "canceled")
            {
                return await ReviewAsync(invoiceOfRefund, $"Stripe reports refund {refund.Id}, recorded as refunded, as {refund.Status}: the money came back.", ct);
            }
            return new Applied(StripeEventState.Noted, $"Refund {refund.Id} is {refund.Status}: recorded when it succeeds.", recorded);
        }
        var payment = await db.Payments.AsNoTracking()
            .Where(p => p.TransactionId == refund.PaymentIntentId && p.RefundOf == null && p.Status == PaymentStatus.Completed)
            .SingleOrDefaultAsync(ct);
        if (payment is null)
        {
            return new Applied(StripeEventState.Waiting, $"Refund {refund.Id} waits for payment {refund.PaymentIntentId} to be recorded.");
        }
        var code = refund.Currency.ToUpperInvariant();
        var amount = StripeAmounts.FromMinor(refund.Amount, code);
        if (code != payment.Currency)
        {
            return await ReviewAsync(payment.InvoiceId, $"Refund {refund.Id} of {Money.Text(amount, code)} is not in the payment's {payment.Currency}.", ct);
        }
        var result = await payments.RefundAsync(new PaymentService.NewRefund(payment.Id, amount,
            refund.Reason is null ? "Refunded in Stripe." : $"Refunded in Stripe ({refund.Reason}).", refund.Id), Actor.Stripe, ct);
        return result.Outcome switch
        {
            PaymentService.Outcome.Recorded => new Applied(StripeEventState.Applied, $"Refund {refund.Id} of {Money.Text(amount, code)} recorded.", payment.InvoiceId),
            PaymentService.Outcome.AlreadyRecorded => new Applied(StripeEventState.Applied, $"Refund {refund.Id} was already recorded.", payment.InvoiceId),
            _ => await ReviewAsync(payment.InvoiceId, $"Stripe refunded {Money.Text(amount, code)} ({refund.Id}) that could not be recorded: {result.Reason}", ct),
        };
    }

    /// <summary>Refunds stored before their payment existed, applied now, in the payment's transaction.</summary>
    private async Task ApplyWaitingRefundsAsync(string paymentIntentId, DateTimeOffset now, CancellationToken ct)
    {
        var waiting = await db.StripeEvents.Where(s => s.PaymentIntentId == paymentIntentId && s.State == StripeEventState.Waiting)
            .OrderBy(s => s.StripeCreatedAt).ThenBy(s => s.Id).ToListAsync(ct);
        foreach (var row in waiting)
        {
            var applied = EventUtility.ParseEvent(row.Payload, throwOnApiVersionMismatch: false).Data.Object switch
            {
                Refund refund => await ApplyRefundAsync(refund, ct),
                Charge charge => await ApplyRefundsAsync(charge.Refunds?.Data, "No refund list.", ct),
                _ => new Applied(StripeEventState.Noted, "Nothing to record."),
            };
            (row.State, row.Detail, row.InvoiceId, row.UpdatedAt) = (applied.State, Truncate(applied.Detail), await ExistingAsync(applied.InvoiceId, ct), now);
            logger.LogInformation("Stripe event {EventId}, waiting for {PaymentIntentId}, is now {State}", row.Id, paymentIntentId, applied.State);
        }
    }

    /// <summary>The invoice a Stripe object's metadata names, when it exists (metadata is Stripe's copy, not a foreign key).</summary>
    private async Task<Guid?> ExistingAsync(Guid? invoiceId, CancellationToken ct) =>
        invoiceId is { } id && await db.Invoices.AnyAsync(i => i.Id == id, ct) ? id : null;

    private async Task<Applied> ReviewAsync(Guid invoiceId, string reason, CancellationToken ct)
    {
        logger.LogWarning("Invoice {InvoiceId} flagged for review: {Reason}", invoiceId, reason);
        var flagged = await payments.FlagForReviewAsync(invoiceId, reason, Actor.Stripe, ct);
        return new Applied(StripeEventState.Review, reason, flagged ? invoiceId : null);
    }

    /// <summary>The fields of an object the app reads, and what a later reader needs to find it in Stripe.</summary>
    private static readonly string[] KeptFields =
    [
        "id", "object", "amount", "amount_received", "amount_total", "currency", "status", "payment_status", "payment_intent", "charge",
        "latest_charge", "reason", "metadata", "created",
    ];

    /// <summary>
    /// The event as stored: its envelope and the fields of its object the app reads (a refund whole, a charge's refund
    /// list), never the payer's name, e-mail, address or card details that sessions, charges and payment errors carry.
    /// A waiting refund is applied later from exactly this.
    /// </summary>
    private static string Minimized(string body)
    {
        var source = JsonNode.Parse(body)!.AsObject();
        var kept = new JsonObject();
        foreach (var field in new[] { "id", "object", "api_version", "created", "livemode", "type" })
        {
            if (source[field] is { } value)
            {
                kept[field] = value.DeepClone();
            }
        }
        var inner = source["data"]!["object"]!.AsObject();
        var objectKept = new JsonObject();
        foreach (var field in KeptFields.Where(inner.ContainsKey))
        {
            objectKept[field] = inner[field]?.DeepClone();
        }
        if (inner["refunds"] is JsonObject refunds)
        {
            objectKept["refunds"] = new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray((refunds["data"]?.AsArray() ?? []).Select(r => r?.DeepClone()).ToArray()),
            };
        }
        if (inner["last_payment_error"] is JsonObject error)
        {
            objectKept["last_payment_error"] = new JsonObject
            {
                ["charge"] = error["charge"]?.DeepClone(),
                ["code"] = error["code"]?.DeepClone(),
                ["decline_code"] = error["decline_code"]?.DeepClone(),
                ["message"] = error["message"]?.DeepClone(),
            };
        }
        kept["data"] = new JsonObject { ["object"] = objectKept };
        return kept.ToJsonString();
    }

    private static bool Validates(string body, string header, string secret, long tolerance, long now)
    {
        try
        {
            EventUtility.ValidateSignature(body, header, secret, tolerance, now);
            return true;
        }
        catch (StripeException)
        {
            return false;
        }
    }

    /// <summary><c>t=&lt;seconds&gt;</c> once and at least one <c>v1=</c>: what Stripe.net can read without throwing anything but its own refusal.</summary>
    private static bool IsWellFormed(string header)
    {
        var items = header.Split(',').Select(i => i.Trim().Split('=', 2)).ToList();
        return items.All(i => i.Length == 2)
               && items.Count(i => i[0] == "t") == 1
               && items.Single(i => i[0] == "t")[1] is var t && t.All(char.IsAsciiDigit) && int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out _)
               && items.Any(i => i[0] == "v1" && i[1].Length > 0);
    }

    /// <summary>What Stripe.net needs before it can parse: an event object with an id, a type and an API version.</summary>
    private static (string Field, string Message)? ShapeProblem(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ("body", "Expected a Stripe event object.");
            }
            foreach (var field in new[] { "id", "type", "api_version" })
            {
                if (!root.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
                {
                    return (field, "Required: a Stripe event has it.");
                }
            }
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("object", out var inner) || inner.ValueKind != JsonValueKind.Object)
            {
                return ("data.object", "Required: a Stripe event has it.");
            }
            return null;
        }
        catch (JsonException)
        {
            return ("body", "Not valid JSON.");
        }
    }

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000];
}
