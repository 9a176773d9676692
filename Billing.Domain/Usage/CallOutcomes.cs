namespace Billing.Domain.Usage;

/// <summary>
/// Classifies Vapi's <c>endedReason</c> (597 values in SDK 2.0.1, changing between versions) by allow-lists, as in
/// docs/decisions/0005: success and not-connected are listed; every other value, known or not, is an error.
/// </summary>
public static class CallOutcomes
{
    private static readonly HashSet<string> Success = new(StringComparer.Ordinal)
    {
        "customer-ended-call", "customer-ended-call-before-warm-transfer", "customer-ended-call-after-warm-transfer-attempt",
        "customer-ended-call-during-transfer", "assistant-ended-call", "assistant-ended-call-after-message-spoken",
        "assistant-ended-call-with-hangup-task", "assistant-said-end-call-phrase", "assistant-forwarded-call",
        "exceeded-max-duration", "silence-timed-out", "call.in-progress.twilio-completed-call",
        "call.in-progress.sip-completed-call", "vonage-completed", "call.ending.hook-executed-say",
        "call.ending.hook-executed-transfer",
    };

    private static readonly HashSet<string> NotConnected = new(StringComparer.Ordinal)
    {
        "customer-did-not-answer", "customer-busy", "voicemail", "twilio-failed-to-connect-call",
        "twilio-reported-customer-misdialed", "vonage-failed-to-connect-call", "vonage-rejected",
        "customer-did-not-give-microphone-permission", "manually-canceled", "scheduled-call-deleted", "call-deleted",
        "assistant-join-timed-out", "phone-call-provider-bypass-enabled-but-no-call-received",
    };

    private static readonly string[] NotConnectedFamilies = ["call.ringing.", "call.forwarding."];

    public static CallOutcome Classify(string? endedReason)
    {
        if (endedReason is null)
        {
            return CallOutcome.Error;
        }
        if (Success.Contains(endedReason))
        {
            return CallOutcome.Success;
        }
        return NotConnected.Contains(endedReason) || NotConnectedFamilies.Any(f => endedReason.StartsWith(f, StringComparison.Ordinal))
            ? CallOutcome.NotConnected
            : CallOutcome.Error;
    }

    /// <summary>Vapi's own failure (<c>*-vapifault-*</c>); Vapi typically does not charge these, so neither do we by default.</summary>
    public static bool IsVapiFault(string? endedReason) =>
        endedReason is not null && endedReason.Contains("vapifault", StringComparison.Ordinal);
}
