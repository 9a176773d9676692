using System.Globalization;
using Billing.Domain.Clients;
using Billing.Domain.Common;

namespace Billing.Domain.Invoicing;

/// <summary>A client's latest invoice; epochs only grow, so its epoch is the highest any of its invoices counted
/// (0 for invoices that predate the epochs; one inserted by hand since is stamped by a trigger, see BillingEpochs).</summary>
public sealed record LastInvoice(string Period, DateOnly? PeriodEnd, long? UsageEpoch);

/// <summary>A period to invoice. Late usage of the client is looked for in [LateFrom, LateBefore): from the start of
/// its first period to the start of its first period without an invoice, i.e. only in periods already invoiced,
/// among calls stamped after <paramref name="LateAfterEpoch"/>, the epoch its last invoice counted.</summary>
public sealed record DuePeriod(Client Client, TimeZoneInfo Zone, BillingPeriod Period, decimal Fee, DateOnly DueDate,
    DateTimeOffset LateFrom, DateTimeOffset LateBefore, long LateAfterEpoch);

/// <summary>
/// Which periods of a client are due, with their fixed fee (prorated or not) and due date. Pure: it knows the client,
/// its last invoice and the time, never the database, so it is tested on its own.
/// </summary>
public static class DuePeriods
{
    /// <summary>At most this many periods per client per run (20 years), so a wrong billing start cannot run away.</summary>
    public const int MaxPeriodsPerClient = 240;

    /// <summary>Every period after the client's last invoice that closed at least <paramref name="grace"/> before
    /// <paramref name="asOf"/>, oldest first.</summary>
    public static IEnumerable<DuePeriod> Of(Client client, LastInvoice? last, DateTimeOffset asOf, TimeSpan grace)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(client.TimeZone);
        var period = FirstUnbilledPeriod(client, zone, last);
        var (lateFrom, lateBefore) = (FirstPeriod(client, zone).StartsAt(zone), period.StartsAt(zone));
        for (var n = 0; n < MaxPeriodsPerClient && period.EndsAt(zone) + grace <= asOf; n++, period = period.Next)
        {
            yield return new DuePeriod(client, zone, period, FixedFee(client, zone, period), DueDate(client, zone, asOf), lateFrom, lateBefore,
                last?.UsageEpoch ?? 0);
        }
    }

    /// <summary>The open period of a client as it would be invoiced if it closed <paramref name="now"/> (a preview).</summary>
    public static DuePeriod Open(Client client, LastInvoice? last, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(client.TimeZone);
        var open = BillingPeriod.Containing(now, client.BillingDay, zone);
        return new DuePeriod(client, zone, open, FixedFee(client, zone, open), DueDate(client, zone, now),
            FirstPeriod(client, zone).StartsAt(zone), FirstUnbilledPeriod(client, zone, last).StartsAt(zone), last?.UsageEpoch ?? 0);
    }

    /// <summary>The client's first period: the one containing its billing start.</summary>
    public static BillingPeriod FirstPeriod(Client client, TimeZoneInfo zone) => BillingPeriod.Containing(BillingStart(client, zone), client.BillingDay);

    /// <summary>The period after the client's last invoice, or its first period.</summary>
    public static BillingPeriod FirstUnbilledPeriod(Client client, TimeZoneInfo zone, LastInvoice? last) => last is null
        ? FirstPeriod(client, zone)
        : BillingPeriod.Containing(last.PeriodEnd ?? AfterPeriodKey(last.Period, client.BillingDay), client.BillingDay);

    /// <summary>The day after a period known only by its key (invoices written by raw SQL have no period dates).</summary>
    private static DateOnly AfterPeriodKey(string period, int billingDay) =>
        DateOnly.ParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(billingDay - 1).AddMonths(1);

    public static DateOnly BillingStart(Client client, TimeZoneInfo zone) =>
        client.BillingStartDate ?? BillingPeriod.LocalDate(client.CreatedAt, zone);

    /// <summary>The full monthly fee, or for a first, partial period of a client that prorates, the share of its days.</summary>
    public static decimal FixedFee(Client client, TimeZoneInfo zone, BillingPeriod period)
    {
        var start = BillingStart(client, zone);
        return !client.ProrateFirstPeriod || start <= period.Start || start >= period.End
            ? client.MonthlyFee
            : Money.RoundLine(client.MonthlyFee * (period.End.DayNumber - start.DayNumber) / period.Days);
    }

    /// <summary>Payment terms count from the local day of issue.</summary>
    public static DateOnly DueDate(Client client, TimeZoneInfo zone, DateTimeOffset issuedAt) =>
        BillingPeriod.LocalDate(issuedAt, zone).AddDays(client.PaymentTermDays);
}
