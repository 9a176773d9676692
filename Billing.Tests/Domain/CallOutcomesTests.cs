using Billing.Domain.Clients;
using Billing.Domain.Usage;
using Billing.Tests.Infrastructure;

namespace Billing.Tests.Domain;

public sealed class CallOutcomesTests
{
    [Fact]
    public void Every_ended_reason_of_the_sdk_classifies_and_only_the_allow_list_counts_as_success()
    {
        var reasons = Fixtures.EndedReasons().ToList();
        Assert.Equal(597, reasons.Count);

        var outcomes = reasons.ToDictionary(r => r, CallOutcomes.Classify);

        var successes = outcomes.Where(o => o.Value == CallOutcome.Success).Select(o => o.Key).Order().ToList();
        Assert.Equal(
        [
            "assistant-ended-call", "assistant-ended-call-after-message-spoken", "assistant-ended-call-with-hangup-task",
            "assistant-forwarded-call", "assistant-said-end-call-phrase", "call.ending.hook-executed-say",
            "call.ending.hook-executed-transfer", "call.in-progress.sip-completed-call", "call.in-progress.twilio-completed-call",
            "customer-ended-call", "customer-ended-call-after-warm-transfer-attempt", "customer-ended-call-before-warm-transfer",
            "customer-ended-call-during-transfer", "exceeded-max-duration", "silence-timed-out", "vonage-completed",
        ], successes.Where(reasons.Contains));
        Assert.All(outcomes.Where(o => o.Key.StartsWith("pipeline-error-") || o.Key.Contains("vapifault")),
            o => Assert.Equal(CallOutcome.Error, o.Value));
        Assert.All(outcomes.Where(o => o.Key.StartsWith("call.ringing.")), o => Assert.Equal(CallOutcome.NotConnected, o.Value));
    }

    [Theory]
    [InlineData("customer-did-not-answer", CallOutcome.NotConnected)]
    [InlineData("a-reason-from-a-future-sdk", CallOutcome.Error)]
    [InlineData(null, CallOutcome.Error)]
    public void Unknown_and_missing_reasons_are_errors_never_exceptions(string? reason, CallOutcome expected) =>
        Assert.Equal(expected, CallOutcomes.Classify(reason));
}

public sealed class CallPricingTests
{
    private static readonly CallPricing.Terms Serban = new("dr_serban", MinuteRounding.PerMinute, 0.56m, BillVapiFaults: false);

    private static VapiCall Call(decimal seconds, string reason = "customer-ended-call") => new()
    {
        CallId = "c",
        AssistantId = "a",
        StartedAt = DateTimeOffset.UnixEpoch,
        EndedAt = DateTimeOffset.UnixEpoch.AddSeconds((double)seconds),
        DurationSeconds = seconds,
        EndedReason = reason,
    };

    [Theory]
    [InlineData(MinuteRounding.PerMinute, 127.4, 180)]
    [InlineData(MinuteRounding.PerMinute, 120, 120)]
    [InlineData(MinuteRounding.PerMinute, 0.001, 60)]
    [InlineData(MinuteRounding.PerSecond, 127.4, 128)]
    [InlineData(MinuteRounding.Exact, 127.4, 127.4)]
    public void Billable_time_follows_the_clients_rounding_rule(MinuteRounding rounding, double seconds, double billable) =>
        Assert.Equal((decimal)billable, Billing.Domain.Invoicing.PeriodPricing.BillableSeconds((decimal)seconds, rounding));

    [Fact]
    public void A_two_minute_seven_second_call_bills_three_minutes_at_the_clients_rate()
    {
        var price = CallPricing.Of(Call(127.4m), Serban);
        Assert.Equal(new CallPricing.Price(180m, 3m, 1.68m, true), price);
    }

    [Fact]
    public void Calls_that_never_connected_or_that_vapi_broke_bill_nothing_unless_the_client_pays_faults()
    {
        Assert.False(CallPricing.Of(Call(0m, "customer-did-not-answer"), Serban).Billable);
        const string vapiFault = "call.in-progress.error-vapifault-openai-llm-failed";
        Assert.Equal(0m, CallPricing.Of(Call(30m, vapiFault), Serban).Cost);
        Assert.Equal(0.56m, CallPricing.Of(Call(30m, vapiFault), Serban with { BillVapiFaults = true }).Cost);
        Assert.True(CallPricing.Of(Call(6.84m, "call.in-progress.error-providerfault-openai-llm-failed"), Serban).Billable);
    }

    [Fact]
    public void Unattributed_calls_bill_nothing_until_a_client_is_known() =>
        Assert.False(CallPricing.Of(Call(60m), terms: null).Billable);
}
