using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.Data;
using Billing.Domain.Parties;
using Billing.Domain.Payments;
using Billing.Domain.Usage;
using Billing.Domain.Vat;
using Billing.Functions.Parties;
using Microsoft.EntityFrameworkCore;

namespace Billing.Functions.Clients;

/// <summary>Client management for operators (admin keys); reading clients for every key, narrowed to what it may see.</summary>
public sealed class ClientFunctions(ClientService clients, PaymentService payments, BillingDbContext db, CallerResolver callers)
{
    [Function(nameof(ListClients))]
    public Task<IResult> ListClients(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, ["active"], (caller, q) =>
        {
            var active = q.Text("active", 5);
            q.Check(active is null or "true" or "false", "active", "Expected true or false.");
            return q.RespondAsync(async () =>
            {
                var list = await db.Clients.AsNoTracking().VisibleTo(caller).Include(c => c.Assistants)
                    .Where(c => active == null || c.Active == (active == "true")).OrderBy(c => c.ClientId).ToListAsync(ct);
                var terms = await clients.TermsAsync(list, ct);
                var credits = await payments.CreditsAsync(list.Select(c => c.ClientId).ToList(), ct);
                return q.List(list.Select(c => ClientView.From(c, terms[c.ClientId], credits.GetValueOrDefault(c.ClientId))).ToList());
            });
        }, ct);

    [Function(nameof(GetClient))]
    public Task<IResult> GetClient(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{clientId}")] HttpRequest request, string clientId, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            var client = await db.Clients.AsNoTracking().VisibleTo(caller).Include(c => c.Assistants)
                .SingleOrDefaultAsync(c => c.ClientId == clientId, ct);
            return client is null ? NoClient(clientId) : TypedResults.Ok(await ViewAsync(client, ct));
        }, ct);

    [Function(nameof(ListClientTerms))]
    public Task<IResult> ListClientTerms(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{clientId}/terms")] HttpRequest request, string clientId,
        CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            var client = await db.Clients.AsNoTracking().VisibleTo(caller).SingleOrDefaultAsync(c => c.ClientId == clientId, ct);
            if (client is null)
            {
                return NoClient(clientId);
            }
            var terms = await clients.TermsAsync(client, ct);
            return TypedResults.Ok(new ClientTermsHistoryView(client.ClientId, TermsView.From(terms.Current).EffectiveFrom,
                terms.History.Rows.Select(TermsView.From).ToList()));
        }, ct);

    public sealed record CreateClientRequest
    {
        public required string ClientId { get; init; }
        public required string Name { get; init; }
        public string? Email { get; init; }
        public required decimal MonthlyFee { get; init; }
        public required decimal PricePerMinute { get; init; }
        public string Currency { get; init; } = Client.DefaultCurrency;
        public int BillingDay { get; init; } = 1;
        public string TimeZone { get; init; } = Client.DefaultTimeZone;
        public DateOnly? BillingStartDate { get; init; }
        public MinuteRounding MinuteRounding { get; init; } = MinuteRounding.PerMinute;
        public decimal IncludedMinutes { get; init; }
        public int PaymentTermDays { get; init; } = Client.DefaultPaymentTermDays;
        public bool ProrateFirstPeriod { get; init; }
        public bool BillVapiFaults { get; init; }
        public IReadOnlyList<string> Assistants { get; init; } = [];
        public PriceBasis PriceBasis { get; init; } = PriceBasis.Net;
        public string? LegalName { get; init; }
        public string? FiscalCode { get; init; }
        public string? TradeRegisterNumber { get; init; }
        public AddressBody? Address { get; init; }
        public string? BillingEmail { get; init; }
        public bool AllowCredit { get; init; }

        public Client ToClient() => new()
        {
            ClientId = ClientId,
            Name = Name,
            Email = Email,
            MonthlyFee = MonthlyFee,
            PricePerMinute = PricePerMinute,
            Currency = Currency,
            BillingDay = BillingDay,
            TimeZone = TimeZone,
            BillingStartDate = BillingStartDate,
            MinuteRounding = MinuteRounding,
            IncludedMinutes = IncludedMinutes,
            PaymentTermDays = PaymentTermDays,
            ProrateFirstPeriod = ProrateFirstPeriod,
            BillVapiFaults = BillVapiFaults,
            Assistants = Assistants.Distinct().Select(id => new ClientAssistant { VapiId = id, ClientId = ClientId }).ToList(),
            PriceBasis = PriceBasis,
            AllowCredit = AllowCredit,
            Buyer = new BuyerDetails(LegalName, FiscalCode, TradeRegisterNumber, Address?.ToAddress(), BillingEmail),
        };
    }

    [Function(nameof(CreateClient))]
    public Task<IResult> CreateClient(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "clients")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync<CreateClientRequest>(request, Access.Admin, async (caller, body) =>
        {
            var client = body.ToClient();
            try
            {
                if (!await clients.AddAsync(client, Actor.For(caller), ct))
                {
                    return Problems.Conflict($"A client '{body.ClientId}' exists already.");
                }
            }
            catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                // Created at the same moment by another request, or an assistant mapped meanwhile. PostgreSQL's text
                // names constraints and values of other clients: the caller gets our sentence, never that.
                return Problems.Conflict($"A client '{body.ClientId}' or one of its assistants exists already.");
            }
            var created = (await clients.FindAsync(client.ClientId, ct))!;
            return TypedResults.Created($"/api/clients/{client.ClientId}", await ViewAsync(created, ct));
        }, ct);

    public sealed record UpdateClientRequest
    {
        public string? Name { get; init; }
        public string? Email { get; init; }
        public decimal? MonthlyFee { get; init; }
        public decimal? PricePerMinute { get; init; }
        public int? BillingDay { get; init; }
        public string? TimeZone { get; init; }
        public bool? Active { get; init; }
        public decimal? IncludedMinutes { get; init; }
        public int? PaymentTermDays { get; init; }
        public MinuteRounding? MinuteRounding { get; init; }
        public string? Currency { get; init; }
        /// <summary>The period start from which the terms in this request apply; by default the next period's.</summary>
        public DateOnly? EffectiveFrom { get; init; }
        public IReadOnlyList<string>? AddAssistants { get; init; }
        public IReadOnlyList<string>? RemoveAssistants { get; init; }
        public PriceBasis? PriceBasis { get; init; }
        public string? LegalName { get; init; }
        public string? FiscalCode { get; init; }
        public string? TradeRegisterNumber { get; init; }
        /// <summary>Replaces the whole address when given.</summary>
        public AddressBody? Address { get; init; }
        public string? BillingEmail { get; init; }
        /// <summary>Keep an overpayment's excess as client credit instead of refusing it (audited).</summary>
        public bool? AllowCredit { get; init; }

        public BuyerDetails Buyer() => new(LegalName, FiscalCode, TradeRegisterNumber, Address?.ToAddress(), BillingEmail);
    }

    [Function(nameof(UpdateClient))]
    public Task<IResult> UpdateClient(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "clients/{clientId}")] HttpRequest request, string clientId,
        CancellationToken ct) =>
        callers.HandleAsync<UpdateClientRequest>(request, Access.Admin, async (caller, body) =>
        {
            if (await clients.FindAsync(clientId, ct) is null)
            {
                return NoClient(clientId);
            }
            var changed = await clients.ChangeAsync(clientId, new ClientService.ClientChanges(body.Name, body.MonthlyFee, body.PricePerMinute,
                body.BillingDay, body.TimeZone, body.Active, body.IncludedMinutes, body.PaymentTermDays, body.MinuteRounding, body.Email,
                body.AddAssistants, body.RemoveAssistants, body.Buyer(), body.PriceBasis, body.Currency, body.EffectiveFrom, body.AllowCredit),
                Actor.For(caller), ct);
            return TypedResults.Ok(await ViewAsync(changed, ct));
        }, ct);

    private async Task<ClientView> ViewAsync(Client client, CancellationToken ct) =>
        ClientView.From(client, await clients.TermsAsync(client, ct), await payments.CreditsAsync(client.ClientId, ct));

    private static IResult NoClient(string clientId) => Problems.NotFound($"No client '{clientId}'.");
}

/// <summary>
/// A client; its term fields are those in force for its open period (<see cref="Terms"/> adds the scheduled ones).
/// <see cref="Credit"/> is its unused credit per currency (what its next invoices will consume), shown to its own key too.
/// </summary>
public sealed record ClientView(string ClientId, string Name, string? Email, string MonthlyFee, string PricePerMinute, string Currency,
    int BillingDay, string TimeZone, string? BillingStartDate, string MinuteRounding, string IncludedMinutes, int PaymentTermDays,
    bool ProrateFirstPeriod, bool BillVapiFaults, bool Active, IReadOnlyList<string> Assistants, string CreatedAt, string PriceBasis,
    string? LegalName, string? FiscalCode, string? TradeRegisterNumber, AddressView? Address, string? BillingEmail, IReadOnlyList<string> BuyerMissing,
    ClientTermsView Terms, bool AllowCredit, IReadOnlyList<CreditView> Credit)
{
    public static ClientView From(Client c, ClientService.TermsNow terms, IReadOnlyDictionary<string, decimal>? credit)
    {
        var now = terms.Current;
        return new(c.ClientId, c.Name, c.Email, Formats.Money(now.MonthlyFee), TermsView.Rate(now.PricePerMinute), now.Currency, c.BillingDay,
            now.TimeZone, Formats.Date(c.BillingStartDate), Formats.Lower(now.MinuteRounding), Formats.Quantity(now.IncludedMinutes),
            c.PaymentTermDays, c.ProrateFirstPeriod, c.BillVapiFaults, c.Active,
            c.Assistants.Select(a => a.VapiId).Order(StringComparer.Ordinal).ToList(), Formats.Instant(c.CreatedAt),
            Formats.Lower(c.PriceBasis), c.LegalName, c.FiscalCode, c.TradeRegisterNumber, AddressView.From(c.Buyer.Address), c.BillingEmail,
            c.Buyer.Missing(), new ClientTermsView(TermsView.From(now), terms.Scheduled.Select(TermsView.From).ToList()), c.AllowCredit,
            (credit ?? new Dictionary<string, decimal>()).OrderBy(x => x.Key, StringComparer.Ordinal)
            .Select(x => new CreditView(x.Key, Formats.Money(x.Value))).ToList());
    }
}

/// <summary>A client's unused credit in one currency.</summary>
public sealed record CreditView(string Currency, string Amount);

/// <summary>The terms in force for the open period, and those scheduled for later period starts.</summary>
public sealed record ClientTermsView(TermsView Current, IReadOnlyList<TermsView> Scheduled);

/// <summary>One row of a client's terms history.</summary>
public sealed record TermsView(string EffectiveFrom, string MonthlyFee, string PricePerMinute, string IncludedMinutes, string MinuteRounding,
    string Currency, string TimeZone)
{
    public static string Rate(decimal rate) => rate.ToString("0.00##", System.Globalization.CultureInfo.InvariantCulture);

    public static TermsView From(ClientTerms t) => new(Formats.Date(t.EffectiveFrom), Formats.Money(t.MonthlyFee), Rate(t.PricePerMinute),
        Formats.Quantity(t.IncludedMinutes), Formats.Lower(t.MinuteRounding), t.Currency, t.TimeZone);
}

/// <summary>A client's whole terms history, oldest first, and the start of the row in force now.</summary>
public sealed record ClientTermsHistoryView(string ClientId, string CurrentFrom, IReadOnlyList<TermsView> Terms);
