namespace Billing.Domain.Usage;

/// <summary>
/// The raw end-of-call report behind a usage row, gzip-compressed and kept for a limited time for audits and
/// re-processing. Kept apart from <see cref="UsageLog"/> so the table the reports scan stays small.
/// </summary>
public sealed class VapiCallReport
{
    public required string CallId { get; set; }
    public required byte[] PayloadGzip { get; set; }
    public required byte[] PayloadSha256 { get; set; }
    public int PayloadBytes { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}
