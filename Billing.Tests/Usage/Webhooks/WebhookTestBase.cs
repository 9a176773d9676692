using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Billing.Domain.Usage;
using Billing.Domain.Vapi;
using Billing.Functions.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Billing.Tests.Usage.Webhooks;

/// <summary>
/// The webhook function with the app's real registrations and a real database, its credentials configured, and
/// dr_serban mapped to his assistant. The tests of each concern derive from it.
/// </summary>
public abstract class WebhookTestBase(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    protected TestDatabase Database { get; } = database;
    protected const string Secret = "x-vapi-secret-current-000000000001";
    protected const string OldSecret = "x-vapi-secret-previous-00000000000";
    protected const string BearerToken = "bearer-token-for-vapi-0000000000001";
    protected const string HmacKey = "hmac-key-for-vapi-signatures-000001";
    protected const string SuccessCallId = "25ce11fc-739c-4655-a56d-f969b8fcced2";

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 11, 14, 9, 15, 0, TimeSpan.Zero));
    protected IVapiApi VapiApi { get; } = Substitute.For<IVapiApi>();
    protected ServiceProvider Services { get; private set; } = null!;

    protected Dictionary<string, string?> Settings => new()
    {
        ["Vapi:Webhook:Secrets:0"] = Secret,
        ["Vapi:Webhook:Secrets:1"] = OldSecret,
        ["Vapi:Webhook:BearerTokens:0"] = BearerToken,
        ["Vapi:Webhook:HmacSecrets:0"] = HmacKey,
    };

    public async ValueTask InitializeAsync()
    {
        Services = Database.CreateServices(Clock, Settings, s => s.AddSingleton(VapiApi));
        await using var db = Database.CreateContext();
        if (!await db.Clients.AnyAsync(c => c.ClientId == "dr_serban"))
        {
            db.Clients.Add(Fixtures.DrSerban());
            await db.SaveChangesAsync();
        }
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();

    protected Task<HttpTesting.Response> PostAsync(string body, Dictionary<string, string>? headers = null) =>
        PostAsync(Services, body, headers ?? new() { ["X-Vapi-Secret"] = Secret });

    protected static async Task<HttpTesting.Response> PostAsync(IServiceProvider services, string body, Dictionary<string, string> headers)
    {
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<VapiWebhookFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, "POST", "/api/vapi/webhook", body: body, headers: headers);
        return await HttpTesting.ExecuteAsync(await function.VapiWebhook(context.Request, CancellationToken.None), context);
    }

    protected async Task<List<UsageLog>> RowsAsync(string callId)
    {
        await using var db = Database.CreateContext();
        return await db.UsageLogs.AsNoTracking().Where(u => u.CallId == callId).ToListAsync();
    }

    /// <summary>A fixture with another call id, so a test owns its call.</summary>
    protected static string WithCallId(string fixture, string callId, Action<JsonObject>? change = null)
    {
        var json = JsonNode.Parse(Fixtures.Vapi(fixture))!.AsObject();
        json["message"]!["call"]!["id"] = callId;
        change?.Invoke(json["message"]!.AsObject());
        return json.ToJsonString();
    }

    protected static string Sign(string key, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    protected async Task<int> CountAsync()
    {
        await using var db = Database.CreateContext();
        return await db.UsageLogs.CountAsync();
    }
}
