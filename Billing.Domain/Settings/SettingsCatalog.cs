using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Settings;

/// <summary>Where a setting must be present for the app to start or work.</summary>
[Flags]
public enum RequiredIn
{
    /// <summary>Optional: the default applies.</summary>
    Nowhere = 0,
    /// <summary>A developer's machine (Core Tools with local.settings.json).</summary>
    Local = 1,
    /// <summary>The Function App in Azure (infra/ sets it).</summary>
    Azure = 2,
    Everywhere = Local | Azure,
}

/// <summary>Who reads a setting: our code (bound to an options class or read at start-up), or the Functions host.</summary>
public enum ReadBy
{
    App,
    Host,
}

/// <summary>One setting of the app.</summary>
/// <param name="Name">The configuration key with <c>:</c> separators; <c>{n}</c> stands for a list index (0, 1, ...).
/// Environment variables and app settings spell it with <c>__</c>.</param>
/// <param name="Default">The value that applies when the setting is absent, as configuration text; null when there is none.</param>
/// <param name="Secret">Never committed or logged; in Azure a Key Vault reference.</param>
/// <param name="Required">Where it must be set.</param>
/// <param name="Meaning">What it does: one sentence for the README's configuration table.</param>
public sealed record Setting(string Name, string? Default, bool Secret, RequiredIn Required, string Meaning, ReadBy ReadBy = ReadBy.App)
{
    /// <summary>The name as an environment variable or app setting (<c>Vapi__Webhook__Secrets__0</c> for index 0).</summary>
    public string EnvironmentName(int index = 0) => Name.Replace("{n}", index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace(":", "__", StringComparison.Ordinal);

    /// <summary>Whether a configuration key (either spelling, any list index) names this setting.</summary>
    public bool Matches(string key)
    {
        var parts = key.Replace("__", ":", StringComparison.Ordinal).Split(':');
        var pattern = Name.Split(':');
        return parts.Length == pattern.Length && parts.Zip(pattern).All(p => p.Second == "{n}"
            ? p.First.Length > 0 && p.First.All(char.IsAsciiDigit)
            : string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>
/// Every setting the app and its host read, in one place: name, default, whether it is a secret, where it is required.
/// A test holds local.settings.sample.json, the README's configuration table, the options classes' defaults and the
/// settings that infra/ gives the Function App to this list (docs/decisions/0011-settings-catalog.md).
/// Features keep binding their own options classes; this list is the inventory, not a second binding.
/// </summary>
public static class SettingsCatalog
{
    public static IReadOnlyList<Setting> All { get; } =
    [
        // Database
        new("ConnectionStrings:Billing", null, true, RequiredIn.Everywhere,
            "Npgsql connection string (or `DATABASE_URL`). Without a password on `*.postgres.database.azure.com`, the app signs in with its managed identity (Entra token)."),
        new("DATABASE_URL", null, true, RequiredIn.Nowhere,
            "The seed's `postgresql://user:pass@host:port/db?schema=public` form, converted at start-up; used when `ConnectionStrings:Billing` is absent."),
        new("ConnectionStrings:BillingReadOnly", null, true, RequiredIn.Nowhere,
            "A read replica for the query and report endpoints (API keys and all writes stay on the primary)."),

        // Billing cycle
        new("BillingCycleSchedule", null, false, RequiredIn.Everywhere,
            "NCRONTAB (UTC) of the billing cycle timer, read by the host (`%BillingCycleSchedule%`), so it has no default: `0 5 * * * *` runs hourly at minute 5.",
            ReadBy.Host),
        new("Billing:GraceHours", "6", false, RequiredIn.Nowhere, "Hours after a period closes before it is invoiced, so late webhooks land first."),
        new("Billing:InvoiceSeries", "VAI", false, RequiredIn.Nowhere, "Invoice number series (`VAI` gives `VAI-2025-000123`)."),
        new("Billing:BatchSize", "20000", false, RequiredIn.Nowhere, "Clients per set-based invoicing statement; each batch reads its periods' calls once."),
        new("Billing:ReconciliationEnabled", "true", false, RequiredIn.Nowhere, "Reconcile with Vapi's `GET /call` before invoicing."),
        new("Billing:ReconciliationIntervalHours", "24", false, RequiredIn.Nowhere, "Reconcile at least this often, even when nothing is due."),
        new("Billing:TaxPoint", "ServicePeriodEnd", false, RequiredIn.Nowhere,
            "Which day picks a line's VAT rate: `ServicePeriodEnd` (its period's last day) or `IssueDate`. Sources read the Fiscal Code differently for continuous services: confirm with an accountant."),

        // Outbox and e-mail
        new("OutboxSchedule", null, false, RequiredIn.Everywhere,
            "NCRONTAB (UTC) of the outbox delivery timer, read by the host (`%OutboxSchedule%`): `0 * * * * *` delivers every minute.", ReadBy.Host),
        new("Outbox:MaxAttempts", "8", false, RequiredIn.Nowhere, "Deliveries a message gets before it is dead-lettered with its last error."),
        new("Outbox:BaseDelaySeconds", "30", false, RequiredIn.Nowhere, "Wait after a first failed delivery; it doubles per further failure, with jitter."),
        new("Outbox:MaxDelaySeconds", "21600", false, RequiredIn.Nowhere, "Longest wait between two deliveries of a message."),
        new("Outbox:BatchSize", "10", false, RequiredIn.Nowhere, "Messages one delivery worker claims at a time."),
        new("Outbox:Parallelism", "4", false, RequiredIn.Nowhere, "Deliveries in flight at once per instance."),
        new("Outbox:DeliveryTimeoutSeconds", "30", false, RequiredIn.Nowhere, "Time limit of one delivery (a failed attempt when passed)."),
        new("Outbox:LeaseSeconds", "600", false, RequiredIn.Nowhere,
            "How long a claim holds its messages (at least `BatchSize` × `DeliveryTimeoutSeconds`); a crashed instance's messages are redelivered after it."),
        new("Outbox:RunSeconds", "50", false, RequiredIn.Nowhere, "A delivery run stops claiming after this long, so minute runs do not pile up."),
        new("Smtp:Host", null, false, RequiredIn.Nowhere, "SMTP server for invoice e-mails; without it sending is off (messages wait in the outbox, health says so)."),
        new("Smtp:Port", "587", false, RequiredIn.Nowhere, "SMTP port."),
        new("Smtp:Security", "StartTls", false, RequiredIn.Nowhere,
            "`StartTls` (TLS required), `SslOnConnect` (port 465), `Auto` (STARTTLS when offered) or `None` (a local test server only)."),
        new("Smtp:User", null, false, RequiredIn.Nowhere, "SMTP login user, when the server wants one."),
        new("Smtp:Password", null, true, RequiredIn.Nowhere, "SMTP password (a Key Vault reference in Azure)."),
        new("Smtp:From", null, false, RequiredIn.Nowhere, "Sender address, e.g. `Facturi Agenție <facturi@agentie.ro>` (required with `Smtp:Host`); its domain names the Message-IDs."),
        new("Smtp:ReplyTo", null, false, RequiredIn.Nowhere, "Reply-To address of invoice e-mails."),
        new("Smtp:TimeoutSeconds", "30", false, RequiredIn.Nowhere, "SMTP network timeout."),

        // Card payments (Stripe)
        new("Stripe:SecretKey", null, true, RequiredIn.Nowhere,
            "Stripe secret (`sk_…`) or restricted (`rk_…`) API key (Key Vault in Azure). Unset, card payments are off: pay links answer 404 and invoices print none; set, every `Stripe:` URL and a webhook secret are required."),
        new("Stripe:WebhookSecrets:{n}", null, true, RequiredIn.Nowhere,
            "Signing secrets (`whsec_…`) of the `POST /api/stripe/webhook` endpoint (Key Vault in Azure); several at once while one is rotated."),
        new("Stripe:SuccessUrl", null, false, RequiredIn.Nowhere, "Where Checkout sends the payer after paying."),
        new("Stripe:CancelUrl", null, false, RequiredIn.Nowhere, "Where Checkout sends the payer who gives up."),
        new("Stripe:PayLinkBaseUrl", null, false, RequiredIn.Nowhere,
            "The public address an invoice's pay token is appended to, e.g. `https://facturi.agentie.ro/api/pay/`: the link PDFs and e-mails carry."),
        new("Stripe:SessionHours", "24", false, RequiredIn.Nowhere, "How long a Checkout Session stays open (1 to 24 hours)."),
        new("Stripe:SignatureToleranceSeconds", "300", false, RequiredIn.Nowhere, "Webhook signatures older or newer than this are refused (replay protection)."),

        // Vapi webhook
        new("Vapi:Webhook:Secrets:{n}", null, true, RequiredIn.Everywhere,
            "Accepted `X-Vapi-Secret` values (32+ characters, never the sample's placeholder; several at once for rotation). One credential of any mode is required unless `AllowUnauthenticated`."),
        new("Vapi:Webhook:BearerTokens:{n}", null, true, RequiredIn.Nowhere, "Accepted Vapi bearer credential tokens."),
        new("Vapi:Webhook:BearerHeader", "Authorization", false, RequiredIn.Nowhere, "Header that carries the bearer token."),
        new("Vapi:Webhook:BearerPrefix", "true", false, RequiredIn.Nowhere, "Whether the bearer header value starts with `Bearer `."),
        new("Vapi:Webhook:HmacSecrets:{n}", null, true, RequiredIn.Nowhere, "Vapi HMAC credential keys, signed over `{timestamp}.{body}`."),
        new("Vapi:Webhook:HmacAlgorithm", "sha256", false, RequiredIn.Nowhere, "HMAC algorithm: `sha256`, `sha512` or `sha1`."),
        new("Vapi:Webhook:SignatureHeader", "x-signature", false, RequiredIn.Nowhere, "Header that carries the HMAC signature."),
        new("Vapi:Webhook:TimestampHeader", "x-timestamp", false, RequiredIn.Nowhere, "Header that carries the signed timestamp."),
        new("Vapi:Webhook:SignaturePrefix", "", false, RequiredIn.Nowhere, "Prefix of the signature value, e.g. `sha256=`."),
        new("Vapi:Webhook:SignatureEncoding", "hex", false, RequiredIn.Nowhere, "Signature encoding: `hex` or `base64`."),
        new("Vapi:Webhook:TimestampToleranceSeconds", "300", false, RequiredIn.Nowhere, "Signatures older or newer than this are refused (replay protection)."),
        new("Vapi:Webhook:AllowUnauthenticated", "false", false, RequiredIn.Nowhere, "`true` only on a local machine (refused when `WEBSITE_INSTANCE_ID` is set, a warning is logged whenever on); otherwise start-up fails without a credential."),
        new("Vapi:Webhook:MaxBodyBytes", "8388608", false, RequiredIn.Nowhere, "Webhook body limit in bytes (8 MiB; 413 above)."),
        new("Vapi:Webhook:RawPayloadRetentionDays", "90", false, RequiredIn.Nowhere, "How long raw end-of-call reports are kept."),
        new("Vapi:Webhook:CompleteFromApi", "true", false, RequiredIn.Nowhere, "Complete incomplete reports from `GET /call/{id}` before answering."),
        new("Vapi:Webhook:CompleteFromApiTimeoutSeconds", "5", false, RequiredIn.Nowhere, "Time limit of that completion."),

        // Vapi API
        new("Vapi:ApiKey", null, true, RequiredIn.Azure, "Vapi's private API key, for reconciliation and report completion (Key Vault in Azure)."),
        new("Vapi:BaseUrl", "https://api.vapi.ai/", false, RequiredIn.Nowhere, "Vapi's API URL."),
        new("Vapi:AttemptTimeoutSeconds", "20", false, RequiredIn.Nowhere, "Timeout of one call to Vapi's API."),
        new("Vapi:TotalTimeoutSeconds", "90", false, RequiredIn.Nowhere, "Time limit of a call to Vapi's API, retries included."),
        new("Vapi:RetryBaseDelayMilliseconds", "2000", false, RequiredIn.Nowhere, "First retry delay; later ones grow exponentially with jitter, or follow `Retry-After`."),
        new("Vapi:PageSize", "1000", false, RequiredIn.Nowhere, "Page size of `GET /call` (2 to 1000)."),

        // Request limits (per instance)
        new("Limits:DatabaseConcurrency", null, false, RequiredIn.Nowhere,
            "Webhook and API requests doing database work at once per instance; unset, the `Maximum Pool Size` of `ConnectionStrings:Billing` (Npgsql's default 100)."),
        new("Limits:QueueTimeoutSeconds", "2", false, RequiredIn.Nowhere, "How long a request waits for one of those slots before it gets 503 with `Retry-After`."),
        new("Limits:KeyRequestsPerSecond", "10", false, RequiredIn.Nowhere,
            "Average requests per second of each API key on an instance (token bucket refill); past the bucket, 429 with `Retry-After`."),
        new("Limits:KeyBurst", "100", false, RequiredIn.Nowhere, "Requests an API key may make at once above its rate (the bucket's size)."),
        new("Limits:ExemptAdminKeys", "false", false, RequiredIn.Nowhere, "`true` lets admin keys skip the per-key rate limit (the concurrency bound still holds)."),

        // Reports
        new("ExchangeRates:NbrFeedUrl", "https://www.bnr.ro/nbrfxrates.xml", false, RequiredIn.Nowhere, "The NBR reference-rate feed."),

        // Observability
        new("APPLICATIONINSIGHTS_CONNECTION_STRING", null, false, RequiredIn.Azure,
            "Application Insights: the host's telemetry and the worker's OpenTelemetry traces, metrics and logs (Azure Monitor exporter)."),
        new("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", null, false, RequiredIn.Azure,
            "`Authorization=AAD`: sign in to Application Insights with the managed identity (the component refuses local auth)."),
        new("OTEL_EXPORTER_OTLP_ENDPOINT", null, false, RequiredIn.Nowhere,
            "Also export traces, metrics and logs over OTLP (e.g. `http://localhost:4317` for a local collector or the Aspire dashboard)."),
        new("OTEL_SERVICE_NAME", "billing-functions", false, RequiredIn.Nowhere, "Service name on every span, metric and log."),

        // Functions host
        new("FUNCTIONS_WORKER_RUNTIME", null, false, RequiredIn.Local,
            "`dotnet-isolated` for Core Tools; never an app setting on Flex Consumption (`functionAppConfig.runtime` says it).", ReadBy.Host),
        new("AzureWebJobsStorage", null, true, RequiredIn.Local,
            "Host storage locally (`UseDevelopmentStorage=true` with Azurite); in Azure the identity-based `AzureWebJobsStorage__accountName` replaces it.", ReadBy.Host),
        new("AzureWebJobsStorage:accountName", null, false, RequiredIn.Azure,
            "Host storage account name, reached with the managed identity (no account key exists).", ReadBy.Host),
    ];

    public static Setting? Find(string key) => All.FirstOrDefault(s => s.Matches(key));

    /// <summary>
    /// Settings that still hold an unresolved Key Vault reference. The platform leaves the reference text in place when
    /// it cannot read the vault (a missing secret, a missing role, no route to the private endpoint); a webhook secret
    /// equal to text anyone can read in our Bicep must never be accepted, so start-up fails instead.
    /// </summary>
    public static IReadOnlyList<string> UnresolvedKeyVaultReferences(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(kv => kv.Value is not null && kv.Value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
            .Select(kv => kv.Key)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Start-up fails, naming the settings, while any Key Vault reference is unresolved.</summary>
    public static IServiceCollection AddSettingsChecks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ResolvedSettings>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ResolvedSettings>>(new KeyVaultReferencesResolved(configuration));
        return services;
    }

    /// <summary>A marker for the start-up check above; it carries no values.</summary>
    public sealed class ResolvedSettings;

    private sealed class KeyVaultReferencesResolved(IConfiguration configuration) : IValidateOptions<ResolvedSettings>
    {
        public ValidateOptionsResult Validate(string? name, ResolvedSettings options) =>
            UnresolvedKeyVaultReferences(configuration) is { Count: > 0 } unresolved
                ? ValidateOptionsResult.Fail(
                    $"Key Vault references were not resolved for {string.Join(", ", unresolved)}: check that the secret exists, that the " +
                    "app's identity holds Key Vault Secrets User, and that the vault's private endpoint is reachable (scripts/deploy prints the secrets still to fill in).")
                : ValidateOptionsResult.Success;
    }
}
