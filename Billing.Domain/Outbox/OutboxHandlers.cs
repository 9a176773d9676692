namespace Billing.Domain.Outbox;

/// <summary>A claimed message as its handler gets it.</summary>
/// <param name="MessageId">The stable id: the same on every redelivery, for the receiver to deduplicate.</param>
/// <param name="Attempt">1 for the first delivery.</param>
public sealed record OutboxDelivery(Guid MessageId, string Kind, string Key, string Payload, int Attempt);

/// <summary>
/// Delivers one kind of outbox message. Registered scoped; each delivery gets a scope of its own. Throwing means the
/// delivery failed and is retried with backoff; <see cref="PermanentDeliveryException"/> means retrying cannot help.
/// </summary>
public interface IOutboxHandler
{
    string Kind { get; }

    /// <summary>Null when this kind can be delivered; otherwise why not (e.g. no SMTP server configured). Messages of a
    /// disabled kind stay pending, untouched, until it is enabled.</summary>
    string? DisabledReason { get; }

    Task DeliverAsync(OutboxDelivery message, CancellationToken ct);
}

/// <summary>A delivery the receiver refused for good (an unknown recipient): the message is dead-lettered at once.</summary>
public sealed class PermanentDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
