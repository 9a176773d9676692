using Billing.Domain.Clients;
using Billing.Domain.Invoicing;

namespace Billing.Domain.Usage;

/// <summary>Whether a call bills, and its price with the terms in force at its start (the rule itself is <see cref="PeriodPricing"/>).</summary>
public static class CallPricing
{
    public sealed record Price(decimal BillableSeconds, decimal DurationMinutes, decimal Cost, bool Billable);

    /// <summary>The client terms pricing needs; null client = unattributed.</summary>
    public sealed record Terms(string ClientId, MinuteRounding Rounding, decimal PricePerMinute, bool BillVapiFaults);

    public static Terms TermsOf(Client client, ClientTerms terms) => new(client.ClientId, terms.MinuteRounding, terms.PricePerMinute, client.BillVapiFaults);

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
        var seconds = PeriodPricing.BillableSeconds(durationSeconds, terms!.Rounding);
        return new Price(seconds, PeriodPricing.Minutes(seconds), PeriodPricing.CallCost(seconds, terms.PricePerMinute), true);
    }
}
