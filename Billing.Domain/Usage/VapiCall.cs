namespace Billing.Domain.Usage;

/// <summary>
/// A finished Vapi call as billing sees it, whether it came from an end-of-call report or from GET /call.
/// Both sources map to this one shape (<see cref="VapiCallParser"/>), so they are recorded the same way.
/// </summary>
public sealed record VapiCall
{
    public required string CallId { get; init; }
    public string? AssistantId { get; init; }
    public string? SquadId { get; init; }
    public string? PhoneNumberId { get; init; }
    public string? CustomerId { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    /// <summary>Measured seconds (ms precision); 0 for a call that never started.</summary>
    public decimal DurationSeconds { get; init; }
    public string? EndedReason { get; init; }
    public IReadOnlyList<string> ToolsUsed { get; init; } = [];
    /// <summary>Vapi's charge in USD; null when it did not say.</summary>
    public decimal? VapiCost { get; init; }

    /// <summary>
    /// Valid but not billable yet: no assistant, squad or phone number to find the client by, or no timing at all.
    /// Such a row waits for GET /call to complete it; a missing cost alone does not make a call incomplete.
    /// </summary>
    public bool Incomplete => AssistantId is null && SquadId is null && PhoneNumberId is null
                              || StartedAt is null && EndedAt is null && DurationSeconds == 0 && !NeverConnected;

    public CallOutcome Outcome => CallOutcomes.Classify(EndedReason);

    private bool NeverConnected => Outcome == CallOutcome.NotConnected;
}
