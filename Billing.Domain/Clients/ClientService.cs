using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Parties;
using Billing.Domain.Usage;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Clients;

/// <summary>Adds and changes clients and their Vapi assistants, validating what the database cannot (time zones).</summary>
public sealed class ClientService(BillingDbContext db)
{
    public sealed record ClientChanges(string? Name = null, decimal? MonthlyFee = null, decimal? PricePerMinute = null, int? BillingDay = null,
        string? TimeZone = null, bool? Active = null, decimal? IncludedMinutes = null, int? PaymentTermDays = null,
        MinuteRounding? MinuteRounding = null, string? Email = null, IReadOnlyList<string>? AddAssistants = null,
        IReadOnlyList<string>? RemoveAssistants = null, BuyerDetails? Buyer = null, PriceBasis? PriceBasis = null);

    public Task<List<Client>> ListAsync(CancellationToken ct) =>
        db.Clients.AsNoTracking().Include(c => c.Assistants).OrderBy(c => c.ClientId).ToListAsync(ct);

    public Task<Client?> FindAsync(string clientId, CancellationToken ct) =>
        db.Clients.AsNoTracking().Include(c => c.Assistants).SingleOrDefaultAsync(c => c.ClientId == clientId, ct);

    /// <summary>Adds a client, or returns false when one with that id exists (nothing is changed then).</summary>
    public async Task<bool> AddAsync(Client client, CancellationToken ct)
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
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<Client> ChangeAsync(string clientId, ClientChanges changes, CancellationToken ct)
    {
        var client = await db.Clients.Include(c => c.Assistants).SingleOrDefaultAsync(c => c.ClientId == clientId, ct)
                     ?? throw new InvalidInputException("clientId", $"There is no client '{clientId}'.");
        client.Name = changes.Name ?? client.Name;
        client.MonthlyFee = changes.MonthlyFee ?? client.MonthlyFee;
        client.PricePerMinute = changes.PricePerMinute ?? client.PricePerMinute;
        client.BillingDay = changes.BillingDay ?? client.BillingDay;
        client.TimeZone = changes.TimeZone ?? client.TimeZone;
        client.Active = changes.Active ?? client.Active;
        client.IncludedMinutes = changes.IncludedMinutes ?? client.IncludedMinutes;
        client.PaymentTermDays = changes.PaymentTermDays ?? client.PaymentTermDays;
        client.MinuteRounding = changes.MinuteRounding ?? client.MinuteRounding;
        client.Email = changes.Email ?? client.Email;
        client.PriceBasis = changes.PriceBasis ?? client.PriceBasis;
        if (changes.Buyer is { } buyer)
        {
            client.Buyer = client.Buyer.With(buyer.Normalized());
        }
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
        return client;
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
