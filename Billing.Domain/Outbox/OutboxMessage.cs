namespace Billing.Domain.Outbox;

public enum OutboxStatus { Pending, Sent, Dead }

/// <summary>
/// A message to send out of the system ("OutboxMessage"), written in the same transaction as the change that causes
/// it and delivered afterwards by <see cref="OutboxDispatcher"/>, at least once. <see cref="Id"/> is the message's
/// stable identity for the receiver to deduplicate (an e-mail's Message-ID).
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; }
    /// <summary>What the message is and which <see cref="IOutboxHandler"/> delivers it, e.g. <c>invoice-email</c>.</summary>
    public required string Kind { get; set; }
    /// <summary>What it is about, unique per kind (an invoice's id), so the change that causes it writes it once.</summary>
    public required string Key { get; set; }
    /// <summary>JSON the handler reads; small, since handlers read what they send from the database at delivery.</summary>
    public string Payload { get; set; } = "{}";

    public OutboxStatus Status { get; set; } = OutboxStatus.Pending;
    /// <summary>Deliveries started so far (counted when a delivery claims the message, so a crash counts too).</summary>
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>Set while a dispatcher holds the message; once passed, any dispatcher may claim it again.</summary>
    public DateTimeOffset? LeasedUntil { get; set; }
    public Guid? LeaseToken { get; set; }
    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? DeadAt { get; set; }
}
