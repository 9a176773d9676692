using Billing.Domain.Clients;
using Billing.Domain.Common;

namespace Billing.Domain.Invoicing;

/// <summary>
/// The issuer's calendar: an invoice's issue date, due date and whether it is overdue are days in the agency's zone
/// (Europe/Bucharest, it invoices from Romania), whatever the client's zone, which only decides its billing periods.
/// </summary>
public static class IssuerCalendar
{
    public const string ZoneId = Client.DefaultTimeZone;

    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(ZoneId);

    /// <summary>The issuer's day at an instant.</summary>
    public static DateOnly DayOf(DateTimeOffset instant) => BillingPeriod.LocalDate(instant, Zone);
}
