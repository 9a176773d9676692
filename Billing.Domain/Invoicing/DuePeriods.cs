using System.Globalization;
using Billing.Domain.Clients;
using Billing.Domain.Common;

namespace Billing.Domain.Invoicing;

/// <summary>A client's latest invoice; epochs only grow, so its epoch is the highest any of its invoices counted
/// (0 for invoices that predate the epochs; one inserted by hand since is stamped by a trigger, see BillingEpochs).</summary>
public sealed record LastInvoice(string Period, DateOnly? PeriodEnd, long? UsageEpoch);

/// <summary>A period to invoice, with the terms in force at its start (<paramref name="Terms"/>, in whose zone its
/// calls are counted, over [<paramref name="UsageFrom"/>, <paramref name="UsageTo"/>)). Late usage of the client is
/// looked for in [LateFrom, LateBefore): from the start of its first period to the start of its first period without an
/// invoice, i.e. only in periods already invoiced, among calls stamped after <paramref name="LateAfterEpoch"/>, the
/// epoch its last invoice counted.</summary>
public sealed record DuePeriod(Client Client, TermsHistory History, ClientTerms Terms, BillingPeriod Period, DateTimeOffset UsageFrom,
    DateTimeOffset UsageTo, decimal Fee, DateOnly DueDate, DateTimeOffset LateFrom, DateTimeOffset LateBefore, long LateAfterEpoch);

/// <summary>
/// Which periods of a client are due, with the terms each is billed with (those in force at its start), its fixed fee
/// (prorated or not) and due date. Pure: it knows the client, its terms history, its last invoice and the time, never
/// the database, so it is tested on its own.
/// </summary>
public static class DuePeriods
{
    /// <summary>At most this many periods per client per run (20 years), so a wrong billing start cannot run away.</summary>
    public const int MaxPeriodsPerClient = 240;

    /// <summary>Every period after the client's last invoice that closed at least <paramref name="grace"/> before
    /// <paramref name="asOf"/>, oldest first.</summary>
    public static IEnumerable<DuePeriod> Of(Client client, TermsHistory history, LastInvoice? last, DateTimeOffset asOf, TimeSpan grace)
    {
        var period = FirstUnbilledPeriod(client, history, last);
        var (lateFrom, lateBefore) = (history.Window(FirstPeriod(client, history)).From, history.Window(period).From);
        for (var n = 0; n < MaxPeriodsPerClient && history.Window(period).To + grace <= asOf; n++, period = period.Next)
        {
            yield return Due(client, history, period, asOf, lateFrom, lateBefore, last);
        }
    }

    /// <summary>The open period of a client as it would be invoiced if it closed <paramref name="now"/> (a preview).</summary>
    public static DuePeriod Open(Client client, TermsHistory history, LastInvoice? last, DateTimeOffset now) =>
        Due(client, history, OpenPeriod(client, history, now), now, history.Window(FirstPeriod(client, history)).From,
            history.Window(FirstUnbilledPeriod(client, history, last)).From, last);

    /// <summary>The period running at <paramref name="now"/>, by the zone of the terms in force then.</summary>
    public static BillingPeriod OpenPeriod(Client client, TermsHistory history, DateTimeOffset now) =>
        history.PeriodContaining(now, client.BillingDay);

    private static DuePeriod Due(Client client, TermsHistory history, BillingPeriod period, DateTimeOffset issuedAt, DateTimeOffset lateFrom,
        DateTimeOffset lateBefore, LastInvoice? last)
    {
        var terms = history.AtPeriodStart(period.Start);
        var (from, to) = history.Window(period);
        return new DuePeriod(client, history, terms, period, from, to, FixedFee(client, history, terms, period),
            DueDate(client, issuedAt), lateFrom, lateBefore, last?.UsageEpoch ?? 0);
    }

    /// <summary>The client's first period: the one containing its billing start.</summary>
    public static BillingPeriod FirstPeriod(Client client, TermsHistory history) =>
        BillingPeriod.Containing(BillingStart(client, history), client.BillingDay);

    /// <summary>The period after the client's last invoice, or its first period.</summary>
    public static BillingPeriod FirstUnbilledPeriod(Client client, TermsHistory history, LastInvoice? last) => last is null
        ? FirstPeriod(client, history)
        : BillingPeriod.Containing(last.PeriodEnd ?? AfterPeriodKey(last.Period, client.BillingDay), client.BillingDay);

    /// <summary>The day after a period known only by its key (invoices written by raw SQL have no period dates).</summary>
    private static DateOnly AfterPeriodKey(string period, int billingDay) =>
        DateOnly.ParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(billingDay - 1).AddMonths(1);

    /// <summary>The first billed local day: the billing start, else the day the client was created in its first zone.</summary>
    public static DateOnly BillingStart(Client client, TermsHistory history) =>
        client.BillingStartDate ?? BillingPeriod.LocalDate(client.CreatedAt, TimeZoneInfo.FindSystemTimeZoneById(history.Rows[0].TimeZone));

    /// <summary>The full monthly fee of the period's terms, or for a first, partial period of a client that prorates,
    /// the share of its days.</summary>
    public static decimal FixedFee(Client client, TermsHistory history, ClientTerms terms, BillingPeriod period)
    {
        var start = BillingStart(client, history);
        return !client.ProrateFirstPeriod || start <= period.Start || start >= period.End
            ? terms.MonthlyFee
            : Money.RoundLine(terms.MonthlyFee * (period.End.DayNumber - start.DayNumber) / period.Days);
    }

    /// <summary>
    /// Payment terms count from the day of issue in the issuer's zone (Europe/Bucharest), the day the invoice states as
    /// its issue date, whatever the client's zone: an invoice's dates are the issuer's (issue 18).
    /// </summary>
    public static DateOnly DueDate(Client client, DateTimeOffset issuedAt) =>
        IssuerCalendar.DayOf(issuedAt).AddDays(client.PaymentTermDays);
}
