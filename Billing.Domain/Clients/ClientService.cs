using System.Globalization;
using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Billing.Domain.Parties;
using Billing.Domain.Usage;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Clients;

/// <summary>
/// Adds and changes clients and their Vapi assistants, validating what the database cannot (time zones). Terms (fee,
/// rate, included minutes, minute rounding, currency, time zone) change at a period start, by default the next one
/// (<see cref="ClientTerms"/>); the client's own term columns hold its latest terms row.
/// </summary>
public sealed class ClientService(BillingDbContext db, AuditTrail audit, TimeProvider clock)
{
    public sealed record ClientChanges(string? Name = null, decimal? MonthlyFee = null, decimal? PricePerMinute = null, int? BillingDay = null,
        string? TimeZone = null, bool? Active = null, decimal? IncludedMinutes = null, int? PaymentTermDays = null,
        MinuteRounding? MinuteRounding = null, string? Email = null, IReadOnlyList<string>? AddAssistants = null,
        IReadOnlyList<string>? RemoveAssistants = null, BuyerDetails? Buyer = null, PriceBasis? PriceBasis = null, string? Currency = null,
        DateOnly? EffectiveFrom = null, bool? AllowCredit = null)
    {
        public bool ChangesTerms => MonthlyFee is not null || PricePerMinute is not null || IncludedMinutes is not null || MinuteRounding is not null
                                    || Currency is not null || TimeZone is not null;
    }

    /// <summary>A client's terms: the row in force now (for its open period) and the rows scheduled after it.</summary>
    public sealed record TermsNow(ClientTerms Current, IReadOnlyList<ClientTerms> Scheduled, TermsHistory History);

    public async Task<TermsHistory> HistoryAsync(string clientId, CancellationToken ct) =>
        new(await db.ClientTerms.AsNoTracking().Where(t => t.ClientId == clientId).ToListAsync(ct));

    public async Task<TermsNow> TermsAsync(Client client, CancellationToken ct) => (await TermsAsync([client], ct))[client.ClientId];

    /// <summary>The terms of several clients, read at once (a listing).</summary>
    public async Task<Dictionary<string, TermsNow>> TermsAsync(IReadOnlyCollection<Client> clients, CancellationToken ct)
    {
        var ids = clients.Select(c => c.ClientId).ToList();
        var rows = (await db.ClientTerms.AsNoTracking().Where(t => ids.Contains(t.ClientId)).ToListAsync(ct)).ToLookup(t => t.ClientId);
        var now = clock.GetUtcNow();
        return clients.ToDictionary(c => c.ClientId, c =>
        {
            var history = new TermsHistory(rows[c.ClientId]);
            var current = history.AtPeriodStart(DuePeriods.OpenPeriod(c, history, now).Start);
            return new TermsNow(current, history.Rows.Where(t => t.EffectiveFrom > current.EffectiveFrom).ToList(), history);
        });
    }

    public Task<List<Client>> ListAsync(CancellationToken ct) =>
        db.Clients.AsNoTracking().Include(c => c.Assistants).OrderBy(c => c.ClientId).ToListAsync(ct);

    public Task<Client?> FindAsync(string clientId, CancellationToken ct) =>
        db.Clients.AsNoTracking().Include(c => c.Assistants).SingleOrDefaultAsync(c => c.ClientId == clientId, ct);

    /// <summary>
    /// Adds a client, or returns false when one with that id exists (nothing is changed then). Its first terms and
    /// whether it may hold credit are audited as <paramref name="actor"/>'s, in the same save.
    /// </summary>
    public async Task<bool> AddAsync(Client client, Actor actor, CancellationToken ct)
    {
        client.Buyer = client.Buyer.Normalized();
        Validate(client).ThrowIfAny();
        await EnsureDatabaseKnowsTimeZoneAsync(client.TimeZone, ct);
        if (await db.Clients.AnyAsync(c => c.ClientId == client.ClientId, ct))
        {
            return false;
        }
        await EnsureAssistantsFreeAsync(client.ClientId, client.Assistants.Select(a => a.VapiId), "assistants", ct);
        db.Clients.Add(client);
        var firstTerms = new
        {
            client.MonthlyFee,
            client.PricePerMinute,
            client.IncludedMinutes,
            client.MinuteRounding,
            client.Currency,
            client.TimeZone,
            client.BillingDay,
            client.PaymentTermDays,
            client.AllowCredit,
        };
        audit.Record(actor, AuditEntities.Client, client.ClientId, before: null, firstTerms, action: "created", clientId: client.ClientId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Changes a client. Terms change from <see cref="ClientChanges.EffectiveFrom"/> (a period start: the open period's
    /// or a later one; by default the next) on, for that period and every later terms row; a period that has closed
    /// keeps its terms (409). Each terms row written is audited in the same transaction. The billing day cannot change
    /// once the client has invoices (409, docs/decisions/0006).
    /// </summary>
    public async Task<Client> ChangeAsync(string clientId, ClientChanges changes, Actor actor, CancellationToken ct)
    {
        var client = await db.Clients.Include(c => c.Assistants).SingleOrDefaultAsync(c => c.ClientId == clientId, ct)
                     ?? throw new InvalidInputException("clientId", $"There is no client '{clientId}'.");
        var rows = await db.ClientTerms.Where(t => t.ClientId == clientId).OrderBy(t => t.EffectiveFrom).ToListAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (changes.BillingDay is { } billingDay && billingDay != client.BillingDay)
        {
            await ChangeBillingDayAsync(client, rows, billingDay, ct);
        }
        client.Name = changes.Name ?? client.Name;
        client.Active = changes.Active ?? client.Active;
        client.PaymentTermDays = changes.PaymentTermDays ?? client.PaymentTermDays;
        client.Email = changes.Email ?? client.Email;
        client.PriceBasis = changes.PriceBasis ?? client.PriceBasis;
        if (changes.AllowCredit is { } allowCredit && allowCredit != client.AllowCredit)
        {
            // Whether an overpayment is refused or kept as credit decides where money goes: audited like the money itself.
            audit.Record(actor, AuditEntities.Client, clientId, new { client.AllowCredit }, new { AllowCredit = allowCredit }, action: "allowCredit",
                clientId: clientId);
            client.AllowCredit = allowCredit;
        }
        if (changes.Buyer is { } buyer)
        {
            client.Buyer = client.Buyer.With(buyer.Normalized());
        }
        var repriceFrom = changes.ChangesTerms || changes.EffectiveFrom is not null
            ? await ChangeTermsAsync(client, rows, changes, actor, ct)
            : null;
        Validate(client).ThrowIfAny();
        if (changes.TimeZone is not null)
        {
            await EnsureDatabaseKnowsTimeZoneAsync(client.TimeZone, ct);
        }
        var added = (changes.AddAssistants ?? []).Except(client.Assistants.Select(a => a.VapiId)).ToList();
        await EnsureAssistantsFreeAsync(clientId, added, "addAssistants", ct);
        client.Assistants.AddRange(added.Select(id => new ClientAssistant { VapiId = id, ClientId = clientId }));
        client.Assistants.RemoveAll(a => changes.RemoveAssistants?.Contains(a.VapiId) == true);
        await db.SaveChangesAsync(ct);
        if (repriceFrom is { } terms)
        {
            await RepriceOpenPeriodAsync(terms, ct);
        }
        await transaction.CommitAsync(ct);
        return client;
    }

    /// <summary>
    /// Writes the terms row of the change's period start (a new one, or the scheduled one replaced) and carries the
    /// changed fields into every later row; the client's term columns become its latest row. Returns the row to reprice
    /// the recorded calls with when the change applies to the open period.
    /// </summary>
    private async Task<ClientTerms?> ChangeTermsAsync(Client client, List<ClientTerms> rows, ClientChanges changes, Actor actor, CancellationToken ct)
    {
        if (!changes.ChangesTerms)
        {
            throw new InvalidInputException("effectiveFrom",
                "Given without a term to change (monthlyFee, pricePerMinute, includedMinutes, minuteRounding, currency, timeZone).");
        }
        var history = new TermsHistory(rows);
        var open = DuePeriods.OpenPeriod(client, history, clock.GetUtcNow());
        var first = rows[0].EffectiveFrom;
        // A client whose billing has not started yet changes its first terms by default.
        var from = changes.EffectiveFrom ?? (first > open.Start ? first : open.End);
        var day = client.BillingDay.ToString(CultureInfo.InvariantCulture);
        if (from.Day != client.BillingDay)
        {
            throw new InvalidInputException("effectiveFrom",
                $"Terms change at the start of a period: day {day} of a month (the client's billing day), such as {open.End:yyyy-MM-dd}.");
        }
        if (from < first)
        {
            throw new InvalidInputException("effectiveFrom", $"Before the client's first period, which starts {first:yyyy-MM-dd}.");
        }
        var invoiced = await db.Invoices.Where(i => i.ClientId == client.ClientId && i.PeriodStart >= from)
            .OrderByDescending(i => i.PeriodStart).Select(i => i.Period).FirstOrDefaultAsync(ct);
        if (from < open.Start || invoiced is not null)
        {
            throw new ConflictException("effectiveFrom",
                $"The period starting {from:yyyy-MM-dd} has closed (invoiced, or in its grace window before the cycle invoices it): it keeps " +
                $"its terms. The earliest start a change can take is {open.Start:yyyy-MM-dd}, the open period's; a correction of an issued " +
                "invoice is a credit note.");
        }

        var row = rows.SingleOrDefault(t => t.EffectiveFrom == from);
        if (row is null)
        {
            row = history.AtPeriodStart(from).Copy(from);
            db.ClientTerms.Add(row);
            rows.Add(row);
        }
        foreach (var changed in rows.Where(t => t.EffectiveFrom >= from).OrderBy(t => t.EffectiveFrom))
        {
            var before = ReferenceEquals(changed, row) && changed.Id == Guid.Empty ? null : Snapshot(changed);
            changed.MonthlyFee = changes.MonthlyFee ?? changed.MonthlyFee;
            changed.PricePerMinute = changes.PricePerMinute ?? changed.PricePerMinute;
            changed.IncludedMinutes = changes.IncludedMinutes ?? changed.IncludedMinutes;
            changed.MinuteRounding = changes.MinuteRounding ?? changed.MinuteRounding;
            changed.Currency = changes.Currency ?? changed.Currency;
            changed.TimeZone = changes.TimeZone ?? changed.TimeZone;
            audit.Record(actor, AuditEntities.Client, client.ClientId, before, Snapshot(changed), action: "terms", clientId: client.ClientId,
                reason: $"terms from {changed.EffectiveFrom:yyyy-MM-dd}");
        }
        var latest = rows.MaxBy(t => t.EffectiveFrom)!;
        (client.MonthlyFee, client.PricePerMinute, client.IncludedMinutes) = (latest.MonthlyFee, latest.PricePerMinute, latest.IncludedMinutes);
        (client.MinuteRounding, client.Currency, client.TimeZone) = (latest.MinuteRounding, latest.Currency, latest.TimeZone);
        foreach (var t in rows.Where(t => t.EffectiveFrom >= from))
        {
            ValidateTerms(t).ThrowIfAny();
        }
        return from == open.Start ? row : null;
    }

    private static object Snapshot(ClientTerms t) => new
    {
        effectiveFrom = t.EffectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        monthlyFee = t.MonthlyFee,
        pricePerMinute = t.PricePerMinute,
        includedMinutes = t.IncludedMinutes,
        minuteRounding = TextEnum.ToText(t.MinuteRounding, TextCase.Lower),
        currency = t.Currency,
        timeZone = t.TimeZone,
    };

    /// <summary>
    /// Periods follow the billing day, and invoices are numbered by them: once a client has invoices, moving the day
    /// would leave a period invoiced twice or days never billed, so it is refused rather than accepted silently
    /// (docs/decisions/0006). Before the first invoice the first terms row moves to the new first period.
    /// </summary>
    private async Task ChangeBillingDayAsync(Client client, List<ClientTerms> rows, int billingDay, CancellationToken ct)
    {
        if (billingDay is < 1 or > 28)
        {
            throw new InvalidInputException("billingDay", "Between 1 and 28.");
        }
        if (await db.Invoices.AnyAsync(i => i.ClientId == client.ClientId, ct))
        {
            throw new ConflictException("billingDay",
                $"Client '{client.ClientId}' has invoices for periods starting on day {client.BillingDay}; its billing day cannot change " +
                "(docs/decisions/0006). Create a new client for the new cycle, or keep the day.");
        }
        if (rows.Count > 1)
        {
            throw new ConflictException("billingDay",
                "The client has terms scheduled for later periods, which start on its current billing day; change the day before scheduling terms.");
        }
        client.BillingDay = billingDay;
        rows[0].EffectiveFrom = DuePeriods.FirstPeriod(client, new TermsHistory(rows)).Start;
    }

    /// <summary>
    /// A change from the open period's start applies to the calls it already has: their usage rows are priced again
    /// (the invoice prices the period from the durations anyway). The share lock holds new calls back for that moment,
    /// so none is recorded with the old terms after the update read the table.
    /// </summary>
    private Task<int> RepriceOpenPeriodAsync(ClientTerms terms, CancellationToken ct)
    {
        var seconds = PeriodPricing.BillableSecondsSql("u.\"duration\"", "@rounding");
        return new Sql($"""
            LOCK TABLE "UsageLog" IN SHARE MODE;
            UPDATE "UsageLog" u SET "billableSeconds" = {seconds},
                "durationMinutes" = round({seconds} / 60, 4),
                "cost" = {PeriodPricing.CallCostSql(seconds, "@rate")}
            WHERE u."clientId" = @client_id AND u."billable" AND u."occurredAt" >= @from
            """)
            .With("rounding", TextEnum.ToText(terms.MinuteRounding, TextCase.Lower))
            .With("rate", terms.PricePerMinute)
            .With("client_id", terms.ClientId)
            .With("from", terms.StartsAt)
            .ExecuteAsync(db, ct);
    }

    public const int MaxPaymentTermDays = 365;

    /// <summary>
    /// .NET also accepts Windows ids (<c>GTB Standard Time</c>) and zones PostgreSQL's tz database may lack, but the
    /// cycle's SQL computes local dates with <c>AT TIME ZONE</c>: a zone PostgreSQL refuses would fail every run.
    /// </summary>
    private async Task EnsureDatabaseKnowsTimeZoneAsync(string timeZone, CancellationToken ct)
    {
        var known = await db.Database.SqlQuery<bool>($"""SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE "name" = {timeZone}) AS "Value" """)
            .SingleAsync(ct);
        if (!known)
        {
            throw new InvalidInputException("timeZone",
                $"'{timeZone}' is not a time zone PostgreSQL knows (pg_timezone_names); use an IANA name such as Europe/Bucharest.");
        }
    }

    private async Task EnsureAssistantsFreeAsync(string clientId, IEnumerable<string> assistantIds, string field, CancellationToken ct)
    {
        var ids = assistantIds.ToList();
        var taken = await db.ClientAssistants.Where(a => a.Kind == VapiResourceKind.Assistant && ids.Contains(a.VapiId) && a.ClientId != clientId)
            .Select(a => a.VapiId + " (" + a.ClientId + ")").ToListAsync(ct);
        if (taken.Count > 0)
        {
            throw new InvalidInputException(field, $"Assistant already mapped to another client: {string.Join(", ", taken)}.");
        }
    }

    /// <summary>A terms row's rules, named by the API's fields.</summary>
    private static FieldErrors ValidateTerms(ClientTerms t) => Validate(new Client
    {
        ClientId = t.ClientId,
        Name = "terms",
        MonthlyFee = t.MonthlyFee,
        PricePerMinute = t.PricePerMinute,
        IncludedMinutes = t.IncludedMinutes,
        Currency = t.Currency,
        TimeZone = t.TimeZone,
    });

    /// <summary>What the database cannot check, each named by the field of the API that sets it.</summary>
    public static FieldErrors Validate(Client client) => new FieldErrors()
        .Check(!string.IsNullOrWhiteSpace(client.ClientId) && client.ClientId.Length <= 100, "clientId", "Required, at most 100 characters.")
        .Check(!string.IsNullOrWhiteSpace(client.Name) && client.Name.Length <= 200, "name", "Required, at most 200 characters.")
        .Check(client.MonthlyFee >= 0, "monthlyFee", "Cannot be negative.")
        // Stored as numeric(12,2) and numeric(10,4): more decimals would be rounded silently.
        .Check(decimal.Round(client.MonthlyFee, 2) == client.MonthlyFee, "monthlyFee", "At most 2 decimals.")
        .Check(client.PricePerMinute >= 0, "pricePerMinute", "Cannot be negative.")
        .Check(decimal.Round(client.PricePerMinute, 4) == client.PricePerMinute, "pricePerMinute", "At most 4 decimals.")
        .Check(client.IncludedMinutes >= 0, "includedMinutes", "Cannot be negative.")
        // A due date is issue day + term: beyond a year it is a typo, and near int.MaxValue it overflows DateOnly.
        .Check(client.PaymentTermDays is >= 0 and <= MaxPaymentTermDays, "paymentTermDays", $"From 0 to {MaxPaymentTermDays} days.")
        .Check(client.Currency.Length == 3 && client.Currency.All(char.IsAsciiLetterUpper), "currency",
            $"'{client.Currency}' is not an ISO 4217 currency code such as RON.")
        .Check(client.BillingDay is >= 1 and <= 28, "billingDay", "Between 1 and 28.")
        .Check(TimeZoneInfo.TryFindSystemTimeZoneById(client.TimeZone, out _), "timeZone",
            $"'{client.TimeZone}' is not an IANA time zone (e.g. Europe/Bucharest).")
        .Check(Enum.IsDefined(client.PriceBasis), "priceBasis", "net or gross.")
        .Merge(client.Buyer.Validate);
}
