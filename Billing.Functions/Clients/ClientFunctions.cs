using Billing.Domain.Access;
using Billing.Domain.Clients;
using Billing.Domain.Data;
using Billing.Domain.Usage;
using Billing.Functions.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.EntityFrameworkCore;

namespace Billing.Functions.Clients;

/// <summary>Client management for operators (admin keys); reading clients for every key, narrowed to what it may see.</summary>
public sealed class ClientFunctions(ClientService clients, BillingDbContext db, CallerResolver callers)
{
    [Function("ListClients")]
    public async Task<IResult> ListClients(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "active");
        var csv = Listing.WantsCsv(request, q);
        var active = q.Text("active", 5);
        q.Check(active is null or "true" or "false", "active", "Expected true or false.");
        if (!q.Valid)
        {
            return q.Problem;
        }
        var list = await db.Clients.AsNoTracking().VisibleTo(caller.Caller!).Include(c => c.Assistants)
            .Where(c => active == null || c.Active == (active == "true")).OrderBy(c => c.ClientId).ToListAsync(ct);
        return Listing.Respond(csv, list.Select(ClientView.From).ToList());
    }

    [Function("GetClient")]
    public async Task<IResult> GetClient(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{clientId}")] HttpRequest request, string clientId, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var client = await db.Clients.AsNoTracking().VisibleTo(caller.Caller!).Include(c => c.Assistants)
            .SingleOrDefaultAsync(c => c.ClientId == clientId, ct);
        return client is null ? Problems.NotFound($"No client '{clientId}'.") : TypedResults.Ok(ClientView.From(client));
    }

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
    }

    [Function("CreateClient")]
    public async Task<IResult> CreateClient(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "clients")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var (body, problem) = await JsonBody.ReadAsync<CreateClientRequest>(request, ct);
        if (body is null)
        {
            return problem!;
        }
        var client = new Client
        {
            ClientId = body.ClientId,
            Name = body.Name,
            Email = body.Email,
            MonthlyFee = body.MonthlyFee,
            PricePerMinute = body.PricePerMinute,
            Currency = body.Currency,
            BillingDay = body.BillingDay,
            TimeZone = body.TimeZone,
            BillingStartDate = body.BillingStartDate,
            MinuteRounding = body.MinuteRounding,
            IncludedMinutes = body.IncludedMinutes,
            PaymentTermDays = body.PaymentTermDays,
            ProrateFirstPeriod = body.ProrateFirstPeriod,
            BillVapiFaults = body.BillVapiFaults,
            Assistants = body.Assistants.Distinct().Select(id => new ClientAssistant { VapiId = id, ClientId = body.ClientId }).ToList(),
        };
        try
        {
            if (!await clients.AddAsync(client, ct))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                    detail: $"A client '{body.ClientId}' exists already.");
            }
        }
        catch (ArgumentException e)
        {
            return Problems.Refused(e);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Created at the same moment by another request, or an assistant mapped meanwhile.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: e.InnerException.Message);
        }
        return TypedResults.Created($"/api/clients/{client.ClientId}", ClientView.From((await clients.FindAsync(client.ClientId, ct))!));
    }

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
        public IReadOnlyList<string>? AddAssistants { get; init; }
        public IReadOnlyList<string>? RemoveAssistants { get; init; }
    }

    [Function("UpdateClient")]
    public async Task<IResult> UpdateClient(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "clients/{clientId}")] HttpRequest request, string clientId,
        CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var (body, problem) = await JsonBody.ReadAsync<UpdateClientRequest>(request, ct);
        if (body is null)
        {
            return problem!;
        }
        if (await clients.FindAsync(clientId, ct) is null)
        {
            return Problems.NotFound($"No client '{clientId}'.");
        }
        try
        {
            var changed = await clients.ChangeAsync(clientId, new ClientService.ClientChanges(body.Name, body.MonthlyFee, body.PricePerMinute,
                body.BillingDay, body.TimeZone, body.Active, body.IncludedMinutes, body.PaymentTermDays, body.MinuteRounding, body.Email,
                body.AddAssistants, body.RemoveAssistants), ct);
            return TypedResults.Ok(ClientView.From(changed));
        }
        catch (ArgumentException e)
        {
            return Problems.Refused(e);
        }
    }
}

public sealed record ClientView(string ClientId, string Name, string? Email, string MonthlyFee, string PricePerMinute, string Currency,
    int BillingDay, string TimeZone, string? BillingStartDate, string MinuteRounding, string IncludedMinutes, int PaymentTermDays,
    bool ProrateFirstPeriod, bool BillVapiFaults, bool Active, IReadOnlyList<string> Assistants, string CreatedAt)
{
    public static ClientView From(Client c) => new(c.ClientId, c.Name, c.Email, Formats.Money(c.MonthlyFee),
        c.PricePerMinute.ToString("0.00##", System.Globalization.CultureInfo.InvariantCulture), c.Currency, c.BillingDay, c.TimeZone,
        Formats.Date(c.BillingStartDate), Formats.Lower(c.MinuteRounding), Formats.Quantity(c.IncludedMinutes), c.PaymentTermDays,
        c.ProrateFirstPeriod, c.BillVapiFaults, c.Active, c.Assistants.Select(a => a.VapiId).Order(StringComparer.Ordinal).ToList(),
        Formats.Instant(c.CreatedAt));
}
