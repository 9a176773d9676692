using System.ComponentModel.DataAnnotations;

namespace Billing.Domain.Outbox;

/// <summary>How the outbox is delivered (<c>Outbox</c>).</summary>
public sealed class OutboxOptions : IValidatableObject
{
    public const string Section = "Outbox";

    /// <summary>Deliveries a message gets before it is dead-lettered with its last error.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failure; it doubles with each further one (with jitter), up to <see cref="MaxDelaySeconds"/>.</summary>
    [Range(1, 86_400)]
    public int BaseDelaySeconds { get; set; } = 30;

    [Range(1, 7 * 86_400)]
    public int MaxDelaySeconds { get; set; } = 6 * 3600;

    /// <summary>Messages one worker claims at a time; its lease must cover delivering all of them.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 10;

    /// <summary>Deliveries in flight at once per dispatcher.</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;

    /// <summary>A single delivery is cancelled after this long, and counts as a failed attempt.</summary>
    [Range(1, 600)]
    public int DeliveryTimeoutSeconds { get; set; } = 30;

    /// <summary>How long a claim holds a message; after it, a crashed dispatcher's messages are delivered by another.</summary>
    [Range(1, 86_400)]
    public int LeaseSeconds { get; set; } = 600;

    /// <summary>A run stops claiming after this long, so the every-minute timer's runs do not pile up.</summary>
    [Range(1, 3600)]
    public int RunSeconds { get; set; } = 50;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((long)BatchSize * DeliveryTimeoutSeconds > LeaseSeconds)
        {
            yield return new ValidationResult(
                $"Outbox:LeaseSeconds ({LeaseSeconds}) must cover a claimed batch: at least Outbox:BatchSize × Outbox:DeliveryTimeoutSeconds " +
                $"({BatchSize} × {DeliveryTimeoutSeconds}), or a slow batch would be delivered twice while it is still being sent.",
                [nameof(LeaseSeconds)]);
        }
        if (MaxDelaySeconds < BaseDelaySeconds)
        {
            yield return new ValidationResult("Outbox:MaxDelaySeconds must be at least Outbox:BaseDelaySeconds.", [nameof(MaxDelaySeconds)]);
        }
    }
}
