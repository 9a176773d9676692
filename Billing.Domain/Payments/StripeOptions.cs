using System.ComponentModel.DataAnnotations;

namespace Billing.Domain.Payments;

/// <summary>
/// Card payments through Stripe (<c>Stripe</c> section). Off while <see cref="SecretKey"/> is unset: pay links then answer
/// 404 and invoices print no link. On, every other setting is required, so a half-configured app fails at start-up.
/// </summary>
public sealed class StripeOptions : IValidatableObject
{
    public const string Section = "Stripe";

    /// <summary>The secret (<c>sk_…</c>) or restricted (<c>rk_…</c>) API key: Key Vault in Azure.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Webhook endpoint signing secrets (<c>whsec_…</c>); several at once while one is rotated.</summary>
    public List<string> WebhookSecrets { get; set; } = [];

    /// <summary>Where Checkout sends the payer after paying, and after giving up.</summary>
    public string? SuccessUrl { get; set; }
    public string? CancelUrl { get; set; }

    /// <summary>The public address the pay token is appended to, e.g. <c>https://facturi.agentie.ro/api/pay/</c>.</summary>
    public string? PayLinkBaseUrl { get; set; }

    /// <summary>How long a Checkout Session stays open (Stripe allows 30 minutes to 24 hours).</summary>
    [Range(1, 24)]
    public int SessionHours { get; set; } = 24;

    /// <summary>A signed event older or newer than this is refused (Stripe's default tolerance).</summary>
    [Range(1, 3600)]
    public int SignatureToleranceSeconds { get; set; } = 300;

    public bool Enabled => !string.IsNullOrWhiteSpace(SecretKey);

    /// <summary>The stable link of an invoice's pay token; null while Stripe is off.</summary>
    public string? PayLink(string? token) =>
        Enabled && !string.IsNullOrEmpty(token) ? $"{PayLinkBaseUrl!.TrimEnd('/')}/{token}" : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (!SecretKey!.StartsWith("sk_", StringComparison.Ordinal) && !SecretKey.StartsWith("rk_", StringComparison.Ordinal))
        {
            yield return new ValidationResult("Stripe:SecretKey must be a secret (sk_…) or restricted (rk_…) API key.");
        }
        if (WebhookSecrets.Count == 0)
        {
            yield return new ValidationResult(
                "Stripe:SecretKey is set but no webhook secret: set Stripe:WebhookSecrets:0 (environment: Stripe__WebhookSecrets__0) to the endpoint's whsec_ secret.");
        }
        else if (WebhookSecrets.Any(s => !s.StartsWith("whsec_", StringComparison.Ordinal) || s.Length < 20))
        {
            yield return new ValidationResult("Stripe:WebhookSecrets must be the endpoint's signing secrets (whsec_…).");
        }
        foreach (var (name, value) in new[] { ("SuccessUrl", SuccessUrl), ("CancelUrl", CancelUrl), ("PayLinkBaseUrl", PayLinkBaseUrl) })
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                yield return new ValidationResult($"Stripe:{name} must be an absolute http(s) URL when Stripe:SecretKey is set.");
            }
        }
    }
}
