using Billing.Domain.Data;
using Billing.Domain.Usage;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Clients;

/// <summary>Adds and changes clients and their Vapi assistants, validating what the database cannot (time zones).</summary>
public sealed class ClientService(BillingDbContext db)
{
    public sealed record ClientChanges(string? Name = null, decimal? MonthlyFee = null, decimal? PricePerMinute = null, int? BillingDay = null,
        string? TimeZone = null, bool? Active = null, decimal? IncludedMinutes = null, int? PaymentTermDays = null,
        MinuteRounding? MinuteRounding = null, string? Email = null, IReadOnlyList<string>? AddAssistants = null,
        IReadOnlyList<string>? RemoveAssistants = null);

    public Task<List<Client>> ListAsync(CancellationToken ct) =>
        db.Clients.AsNoTracking().Include(c => c.Assistants).OrderBy(c => c.ClientId).ToListAsync(ct);

    public Task<Client?> FindAsync(string clientId, CancellationToken ct) =>
        db.Clients.AsNoTracking().Include(c => c.Assistants).SingleOrDefaultAsync(c => c.ClientId == clientId, ct);

    /// <summary>Adds a client, or returns false when one with that id exists (nothing is changed then).</summary>
    public async Task<bool> AddAsync(Client client, CancellationToken ct)
    {
        Validate(client);
        if (await db.Clients.AnyAsync(c => c.ClientId == client.ClientId, ct))
        {
            return false;
        }
        await EnsureAssistantsFreeAsync(client.ClientId, client.Assistants.Select(a => a.VapiId), ct);
        db.Clients.Add(client);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<Client> ChangeAsync(string clientId, ClientChanges changes, CancellationToken ct)
    {
        var client = await db.Clients.Include(c => c.Assistants).SingleOrDefaultAsync(c => c.ClientId == clientId, ct)
                     ?? throw new ArgumentException($"There is no client '{clientId}'.", nameof(clientId));
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
        Validate(client);
        var added = (changes.AddAssistants ?? []).Except(client.Assistants.Select(a => a.VapiId)).ToList();
        await EnsureAssistantsFreeAsync(clientId, added, ct);
        client.Assistants.AddRange(added.Select(id => new ClientAssistant { VapiId = id, ClientId = clientId }));
        client.Assistants.RemoveAll(a => changes.RemoveAssistants?.Contains(a.VapiId) == true);
        await db.SaveChangesAsync(ct);
        return client;
    }

    private async Task EnsureAssistantsFreeAsync(string clientId, IEnumerable<string> assistantIds, CancellationToken ct)
    {
        var ids = assistantIds.ToList();
        var taken = await db.ClientAssistants.Where(a => a.Kind == VapiResourceKind.Assistant && ids.Contains(a.VapiId) && a.ClientId != clientId)
            .Select(a => a.VapiId + " (" + a.ClientId + ")").ToListAsync(ct);
        if (taken.Count > 0)
        {
            throw new ArgumentException($"Assistant already mapped to another client: {string.Join(", ", taken)}.");
        }
    }

    private static void Validate(Client client)
    {
        if (string.IsNullOrWhiteSpace(client.ClientId) || client.ClientId.Length > 100)
        {
            throw new ArgumentException("The client id is required (at most 100 characters).");
        }
        if (client.MonthlyFee < 0 || client.PricePerMinute < 0 || client.IncludedMinutes < 0 || client.PaymentTermDays < 0)
        {
            throw new ArgumentException("Fees, rates, included minutes and payment terms cannot be negative.");
        }
        if (string.IsNullOrWhiteSpace(client.Name) || client.Name.Length > 200)
        {
            throw new ArgumentException("The client name is required (at most 200 characters).");
        }
        if (client.Currency.Length != 3 || !client.Currency.All(char.IsAsciiLetterUpper))
        {
            throw new ArgumentException($"'{client.Currency}' is not an ISO 4217 currency code such as RON.");
        }
        if (decimal.Round(client.MonthlyFee, 2) != client.MonthlyFee || decimal.Round(client.PricePerMinute, 4) != client.PricePerMinute)
        {
            // Stored as numeric(12,2) and numeric(10,4): more decimals would be rounded silently.
            throw new ArgumentException("The monthly fee has at most 2 decimals and the price per minute at most 4.");
        }
        if (client.BillingDay is < 1 or > 28)
        {
            throw new ArgumentException("The billing day must be between 1 and 28.");
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(client.TimeZone, out _))
        {
            throw new ArgumentException($"'{client.TimeZone}' is not an IANA time zone (e.g. Europe/Bucharest).");
        }
    }
}
