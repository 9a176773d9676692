using System.ComponentModel.DataAnnotations;

namespace Billing.Functions.Usage;

/// <summary>
/// How the webhook authenticates Vapi (<c>Vapi:Webhook</c>). Every mode takes several secrets at once, so a secret can be
/// rotated without downtime: add the new one, switch Vapi over, remove the old one. A request passes if any
/// configured mode accepts it.
/// </summary>
public sealed class VapiWebhookOptions : IValidatableObject
{
    public const string Section = "Vapi:Webhook";

    /// <summary>The value <c>local.settings.sample.json</c> ships for the secret; copied unchanged it would be a public secret.</summary>
    public const string SamplePlaceholder = "paste the X-Vapi-Secret you set in Vapi (32+ characters)";

    /// <summary>Shorter secrets are refused: 32 random characters are out of reach of guessing.</summary>
    public const int MinimumSecretLength = 32;

    /// <summary>Set from <c>WEBSITE_INSTANCE_ID</c>, which App Service and Functions define on every Azure instance (not bound from the section).</summary>
    internal bool RunningInAzure { get; set; }

    /// <summary>Legacy inline secrets, sent by Vapi as <c>X-Vapi-Secret</c>.</summary>
    public List<string> Secrets { get; set; } = [];

    /// <summary>Bearer credential tokens.</summary>
    public List<string> BearerTokens { get; set; } = [];
    public string BearerHeader { get; set; } = "Authorization";
    /// <summary>Whether the header value starts with <c>Bearer </c> (Vapi's <c>bearerPrefixEnabled</c>).</summary>
    public bool BearerPrefix { get; set; } = true;

    /// <summary>HMAC credential secret keys.</summary>
    public List<string> HmacSecrets { get; set; } = [];
    [RegularExpression("^(sha256|sha512|sha1)$", ErrorMessage = "Vapi:Webhook:HmacAlgorithm must be sha256, sha512 or sha1.")]
    public string HmacAlgorithm { get; set; } = "sha256";
    public string SignatureHeader { get; set; } = "x-signature";
    public string TimestampHeader { get; set; } = "x-timestamp";
    /// <summary>Optional prefix of the signature value, e.g. <c>sha256=</c>.</summary>
    public string SignaturePrefix { get; set; } = "";
    [RegularExpression("^(hex|base64)$", ErrorMessage = "Vapi:Webhook:SignatureEncoding must be hex or base64.")]
    public string SignatureEncoding { get; set; } = "hex";
    /// <summary>Signatures older or newer than this are refused, so a captured request cannot be replayed later.</summary>
    [Range(1, 3600)]
    public int TimestampToleranceSeconds { get; set; } = 300;

    /// <summary>Only for a local machine: accept requests without any credential.</summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>Reports hold transcripts and can pass 1 MB; bodies above this get 413.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Complete an incomplete report from GET /call/{id} before answering (bounded by this timeout).</summary>
    public bool CompleteFromApi { get; set; } = true;
    [Range(1, 15)]
    public int CompleteFromApiTimeoutSeconds { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!AllowUnauthenticated && Secrets.Count + BearerTokens.Count + HmacSecrets.Count == 0)
        {
            yield return new ValidationResult(
                "The Vapi webhook has no credential: set Vapi:Webhook:Secrets:0 (X-Vapi-Secret), Vapi:Webhook:BearerTokens:0 " +
                "or Vapi:Webhook:HmacSecrets:0 (environment: Vapi__Webhook__Secrets__0), or Vapi:Webhook:AllowUnauthenticated=true locally.");
        }
        if (AllowUnauthenticated && RunningInAzure)
        {
            yield return new ValidationResult(
                "Vapi:Webhook:AllowUnauthenticated=true is refused in Azure (WEBSITE_INSTANCE_ID is set): configure a webhook credential instead.");
        }
        var secrets = Secrets.Concat(BearerTokens).Concat(HmacSecrets).ToList();
        if (secrets.Any(s => s.Trim() == SamplePlaceholder))
        {
            yield return new ValidationResult(
                "A Vapi webhook secret is still the placeholder of local.settings.sample.json: set the secret configured in Vapi.");
        }
        else if (secrets.Any(s => s.Length < MinimumSecretLength))
        {
            yield return new ValidationResult($"Vapi webhook secrets must be at least {MinimumSecretLength} characters long.");
        }
    }
}
