namespace Billing.Domain.Usage;

/// <summary>
/// A report refused because a field that decides what the call bills (ids, times, cost) was unusable. Vapi's
/// recommended retry plan does not retry 4xx, so the raw report is kept here (gzip, as <see cref="VapiCallReport"/>)
/// instead of being lost, and replayed through the normal path once the cause is fixed
/// (<c>billing calls quarantine replay</c>, <c>POST /api/quarantine/replay</c>).
/// </summary>
public sealed class QuarantinedReport
{
    public Guid Id { get; set; }
    public required byte[] PayloadGzip { get; set; }
    /// <summary>Unique: a delivery repeated byte for byte is quarantined once.</summary>
    public required byte[] PayloadSha256 { get; set; }
    public int PayloadBytes { get; set; }
    /// <summary>The call id when one could be read (at most 100 characters), to find the report by call.</summary>
    public string? CallId { get; set; }
    public UsageSource Source { get; set; }
    /// <summary>The refused fields and why, e.g. <c>message.cost: Must be a number ...</c>.</summary>
    public required string Reason { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    /// <summary>Set once a replay recorded (or ignored) the report; until then it is open.</summary>
    public DateTimeOffset? ReplayedAt { get; set; }
    /// <summary><c>inserted</c>, <c>completed</c>, <c>unchanged</c> or <c>ignored</c> after a successful replay.</summary>
    public string? ReplayOutcome { get; set; }
    public int ReplayAttempts { get; set; }
    /// <summary>Why the last replay refused it again.</summary>
    public string? LastReplayError { get; set; }
}
