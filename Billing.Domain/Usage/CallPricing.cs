using Billing.Domain.Clients;

namespace Billing.Domain.Usage;

/// <summary>What a call bills: the one place a call's duration becomes billable time and a price.</summary>
public static class CallPricing
{
    public sealed record Price(decimal BillableSeconds, decimal DurationMinutes, decimal Cost, bool Billable);

    /// <summary>The client terms pricing needs; null client = unattributed.</summary>
    public sealed record Terms(string ClientId, MinuteRounding Rounding, decimal PricePerMinute, bool BillVapiFaults);

    public static Terms TermsOf(Client client) => new(client.ClientId, client.MinuteRounding, client.PricePerMinute, client.BillVapiFaults);

    public static Price Of(VapiCall call, Terms? terms) =>
        Of(call.DurationSeconds, call.EndedReason, call.Incomplete, terms);

    /// <summary>Calls that never connected, Vapi's own faults (unless the client pays them), incomplete and
    /// unattributed calls bill nothing; the rest bill their rounded duration at the client's rate.</summary>
    public static Price Of(decimal durationSeconds, string? endedReason, bool incomplete, Terms? terms)
    {
        var billable = terms is not null
                       && !incomplete
                       && CallOutcomes.Classify(endedReason) != CallOutcome.NotConnected
                       && (terms.BillVapiFaults || !CallOutcomes.IsVapiFault(endedReason));
        if (!billable)
        {
            return new Price(0m, 0m, 0m, false);
        }
        var seconds = BillableSeconds(durationSeconds, terms!.Rounding);
        return new Price(seconds, Math.Round(seconds / 60m, 4, MidpointRounding.AwayFromZero),
            Math.Round(seconds / 60m * terms.PricePerMinute, 6, MidpointRounding.AwayFromZero), true);
    }

    public static decimal BillableSeconds(decimal seconds, MinuteRounding rounding) => rounding switch
    {
        MinuteRounding.PerMinute => Math.Ceiling(seconds / 60m) * 60m,
        MinuteRounding.PerSecond => Math.Ceiling(seconds),
        MinuteRounding.Exact => Math.Round(seconds, 3, MidpointRounding.AwayFromZero),
        _ => throw new ArgumentOutOfRangeException(nameof(rounding), rounding, null),
    };
}
