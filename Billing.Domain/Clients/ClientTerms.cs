using Billing.Domain.Common;
using Billing.Domain.Usage;

namespace Billing.Domain.Clients;

/// <summary>
/// What a client is billed from the start of one of its periods on ("ClientTerms"): fee, rate, included minutes, minute
/// rounding, currency and time zone. Terms change only at period boundaries; a period is billed with the row in force
/// at its start (the latest <see cref="EffectiveFrom"/> not after it), so an invoice never depends on when the cycle
/// ran. Every client has a row from its first period (written by the database when the client is inserted).
/// </summary>
public sealed class ClientTerms
{
    public Guid Id { get; set; }
    public required string ClientId { get; set; }
    /// <summary>The local first day of the period from which these terms apply (always the client's billing day).</summary>
    public DateOnly EffectiveFrom { get; set; }

    public decimal MonthlyFee { get; set; }
    public decimal PricePerMinute { get; set; }
    public decimal IncludedMinutes { get; set; }
    public MinuteRounding MinuteRounding { get; set; } = MinuteRounding.PerMinute;
    public string Currency { get; set; } = Client.DefaultCurrency;
    public string TimeZone { get; set; } = Client.DefaultTimeZone;

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The instant these terms start: local midnight of <see cref="EffectiveFrom"/> in their own zone.</summary>
    public DateTimeOffset StartsAt => BillingPeriod.LocalMidnight(EffectiveFrom, TimeZoneInfo.FindSystemTimeZoneById(TimeZone));

    public ClientTerms Copy(DateOnly effectiveFrom) => new()
    {
        ClientId = ClientId,
        EffectiveFrom = effectiveFrom,
        MonthlyFee = MonthlyFee,
        PricePerMinute = PricePerMinute,
        IncludedMinutes = IncludedMinutes,
        MinuteRounding = MinuteRounding,
        Currency = Currency,
        TimeZone = TimeZone,
    };
}

/// <summary>A client's terms rows, oldest first, and which one is in force when. Pure, so tested without a database.</summary>
public sealed class TermsHistory
{
    private readonly List<ClientTerms> _rows;

    public TermsHistory(IEnumerable<ClientTerms> rows)
    {
        _rows = rows.OrderBy(t => t.EffectiveFrom).ToList();
        if (_rows.Count == 0)
        {
            throw new ArgumentException("A client has at least one terms row (from its first period).", nameof(rows));
        }
    }

    public IReadOnlyList<ClientTerms> Rows => _rows;

    /// <summary>The terms of the period starting on <paramref name="periodStart"/>: the latest row from that day or
    /// before; the first row for a day before it (calls before the billing start are priced as its first period).</summary>
    public ClientTerms AtPeriodStart(DateOnly periodStart) => _rows.LastOrDefault(t => t.EffectiveFrom <= periodStart) ?? _rows[0];

    /// <summary>The terms in force at an instant (each row starts at local midnight in its own zone).</summary>
    public ClientTerms At(DateTimeOffset instant) => _rows.LastOrDefault(t => t.StartsAt <= instant) ?? _rows[0];

    /// <summary>
    /// <see cref="At"/> in SQL: the client's terms row in force at an instant (the first row before its first period),
    /// as a subquery of one row for a client id and an instant expression.
    /// </summary>
    public static string InForceSql(string clientId, string instant) => $"""
        SELECT * FROM "ClientTerms" h WHERE h."clientId" = {clientId}
        ORDER BY CASE WHEN h."effectiveFrom"::timestamp AT TIME ZONE h."timeZone" <= {instant} THEN h."effectiveFrom" END DESC NULLS LAST,
                 h."effectiveFrom"
        LIMIT 1
        """;

    /// <summary>The zone in which the period starting on <paramref name="day"/> begins.</summary>
    public TimeZoneInfo ZoneOn(DateOnly day) => TimeZoneInfo.FindSystemTimeZoneById(AtPeriodStart(day).TimeZone);

    /// <summary>The instants a period's calls occur in: from its start in its terms' zone to the next period's start in
    /// that one's zone, so periods tile without a gap or an overlap when the time zone changes between them.</summary>
    public (DateTimeOffset From, DateTimeOffset To) Window(BillingPeriod period) =>
        (period.StartsAt(ZoneOn(period.Start)), period.EndsAt(ZoneOn(period.End)));

    /// <summary>The period containing an instant, by the zone of the terms in force then.</summary>
    public BillingPeriod PeriodContaining(DateTimeOffset instant, int billingDay) =>
        BillingPeriod.Containing(instant, billingDay, TimeZoneInfo.FindSystemTimeZoneById(At(instant).TimeZone));
}
