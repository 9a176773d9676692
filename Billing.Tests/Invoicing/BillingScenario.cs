using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Domain.Usage;
using Billing.Domain.Vapi;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Billing.Tests.Invoicing;

/// <summary>A fixture vocabulary for billing tests: clients, their calls (recorded through the real recorder) and runs.</summary>
public sealed class BillingScenario : IAsyncDisposable
{
    private readonly TestDatabase _database;

    /// <param name="vapiHttp">
    /// When given, Vapi is substituted at the HTTP level: the real typed client and resilience pipeline send their
    /// requests to this handler. Otherwise <see cref="Vapi"/> (a substitute of the API client) stands in for it.
    /// </param>
    public BillingScenario(TestDatabase database, Dictionary<string, string?>? settings = null, HttpMessageHandler? vapiHttp = null,
        Action<IServiceCollection>? configure = null)
    {
        _database = database;
        var merged = new Dictionary<string, string?>
        {
            ["Vapi:ApiKey"] = "test-key",
            ["Billing:ReconciliationEnabled"] = "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            merged[key] = value;
        }
        Services = database.CreateServices(Clock, merged, s =>
        {
            if (vapiHttp is null)
            {
                s.AddSingleton(Vapi);
            }
            else
            {
                s.Configure<HttpClientFactoryOptions>(typeof(IVapiApi).Name, o =>
                    o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = vapiHttp));
            }
            configure?.Invoke(s);
        });
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero));
    public IVapiApi Vapi { get; } = Substitute.For<IVapiApi>();
    public ServiceProvider Services { get; }

    public async Task<Client> ClientAsync(string clientId, decimal fee = 800m, decimal rate = 0.56m, int billingDay = 1,
        DateOnly? billingStart = null, Action<Client>? configure = null)
    {
        var client = new Client
        {
            ClientId = clientId,
            Name = $"Client {clientId}",
            MonthlyFee = fee,
            PricePerMinute = rate,
            BillingDay = billingDay,
            BillingStartDate = billingStart ?? new DateOnly(2025, 10, 1),
            Assistants = [new ClientAssistant { VapiId = $"asst_{clientId}", ClientId = clientId }],
        };
        configure?.Invoke(client);
        await using var db = _database.CreateContext();
        db.Clients.Add(client);
        await db.SaveChangesAsync();
        return client;
    }

    private int _calls;

    /// <summary>A call of the client's assistant, recorded through the same path as the webhook.</summary>
    public async Task<string> CallAsync(string clientId, string startedAt, double seconds, string endedReason = "customer-ended-call",
        IReadOnlyList<string>? tools = null, decimal? vapiCost = 0.01m, string? assistantId = null)
    {
        var start = DateTimeOffset.Parse(startedAt);
        var call = new VapiCall
        {
            CallId = $"{clientId}-{Interlocked.Increment(ref _calls)}-{Guid.NewGuid():N}",
            AssistantId = assistantId ?? $"asst_{clientId}",
            StartedAt = seconds > 0 ? start : null,
            EndedAt = start.AddSeconds(seconds),
            CreatedAt = start.AddSeconds(-1),
            DurationSeconds = (decimal)seconds,
            EndedReason = endedReason,
            VapiCost = vapiCost,
            ToolsUsed = tools ?? [],
        };
        await Services.GetRequiredService<UsageRecorder>().RecordAsync(call, UsageSource.Webhook, raw: null, default);
        return call.CallId;
    }

    public async Task<BillingRunSummary> RunAsync(string asOf, string? clientId, bool dryRun = false)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BillingCycle>()
            .RunAsync(new BillingRunRequest(DateTimeOffset.Parse(asOf), "test", clientId, dryRun), default);
    }

    /// <summary>Changes a client as an operator at the CLI would, at the scenario's clock.</summary>
    public async Task<Client> ChangeAsync(string clientId, ClientService.ClientChanges changes)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ClientService>().ChangeAsync(clientId, changes, Actor.Cli("operator"), default);
    }

    public async Task<List<Invoice>> InvoicesAsync(string clientId)
    {
        await using var db = _database.CreateContext();
        return await db.Invoices.AsNoTracking().Include(i => i.LateUsage).Where(i => i.ClientId == clientId)
            .OrderBy(i => i.Period).ToListAsync();
    }

    /// <summary>Which invoice billed each of the client's calls, by call id, from the view "UsageLogInvoice" (null: not billed).</summary>
    public async Task<Dictionary<string, Guid?>> BilledByAsync(string clientId)
    {
        await using var db = _database.CreateContext();
        var rows = await db.Database.SqlQuery<BilledBy>($"""
            SELECT u."callId" AS "CallId", b."facturaId" AS "InvoiceId"
            FROM "UsageLog" u LEFT JOIN "UsageLogInvoice" b ON b."usageLogId" = u."id"
            WHERE u."clientId" = {clientId}
            """).ToListAsync();
        return rows.ToDictionary(r => r.CallId, r => r.InvoiceId);
    }

    private sealed record BilledBy(string CallId, Guid? InvoiceId);

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}
