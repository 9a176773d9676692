namespace Billing.Domain.Vapi;

/// <summary>Vapi's REST API. The key is optional at start-up: without it the app runs, and calls to the API fail clearly.</summary>
public sealed class VapiOptions
{
    public const string Section = "Vapi";

    public Uri BaseUrl { get; set; } = new("https://api.vapi.ai");
    /// <summary>Private API key (Key Vault in Azure). Never logged.</summary>
    public string? ApiKey { get; set; }
    /// <summary>Per-attempt timeout; the resilience pipeline retries within <see cref="TotalTimeoutSeconds"/>.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 20;
    public int TotalTimeoutSeconds { get; set; } = 90;
    /// <summary>First retry delay; later ones grow exponentially with jitter, or follow Vapi's Retry-After.</summary>
    public int RetryBaseDelayMilliseconds { get; set; } = 2000;
    /// <summary>Page size for GET /call (Vapi allows at most 1000).</summary>
    public int PageSize { get; set; } = 1000;
}
