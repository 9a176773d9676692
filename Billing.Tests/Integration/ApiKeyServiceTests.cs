using System.Security.Cryptography;
using System.Text;
using Billing.Domain.Access;
using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Functions.Infrastructure;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Tests.Integration;

public sealed class ApiKeyServiceTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _services = database.CreateServices(_clock);
        await using var db = database.CreateContext();
        if (!await db.Clients.AnyAsync(c => c.ClientId == "dr_serban"))
        {
            db.Clients.Add(new Client { ClientId = "dr_serban", Name = "Clinica Dr. Șerban", MonthlyFee = 800m, PricePerMinute = 0.56m });
            await db.SaveChangesAsync();
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private async Task<T> WithKeysAsync<T>(Func<ApiKeyService, Task<T>> action)
    {
        await using var scope = _services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ApiKeyService>());
    }

    [Fact]
    public async Task A_new_key_proves_its_scope_and_only_its_hash_is_stored()
    {
        var created = await WithKeysAsync(k => k.CreateAsync("portal", ApiKeyScope.Client, "dr_serban", null, default));

        var caller = await WithKeysAsync(k => k.AuthenticateAsync(created.PlainKey, default));

        Assert.Equal(new Caller(created.Key.Id, "portal", ApiKeyScope.Client, "dr_serban"), caller);
        Assert.True(caller!.CanRead("dr_serban"));
        Assert.False(caller.CanRead("farmacia_verde"));
        await using var db = database.CreateContext();
        var stored = await db.ApiKeys.SingleAsync(k => k.Id == created.Key.Id);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(created.PlainKey)), stored.KeyHash);
        Assert.StartsWith(stored.Prefix + "_", created.PlainKey);
        Assert.True(created.PlainKey.Length >= stored.Prefix.Length + 40, "the secret part must carry enough entropy");
    }

    [Fact]
    public async Task A_wrong_revoked_or_expired_key_proves_nothing()
    {
        var good = await WithKeysAsync(k => k.CreateAsync("reports", ApiKeyScope.Reporting, null, null, default));
        var expiring = await WithKeysAsync(k => k.CreateAsync("temp", ApiKeyScope.Admin, null, _clock.GetUtcNow().AddHours(1), default));

        var tampered = good.PlainKey[..^1] + (good.PlainKey[^1] == 'a' ? 'b' : 'a');
        Assert.Null(await WithKeysAsync(k => k.AuthenticateAsync(tampered, default)));
        Assert.Null(await WithKeysAsync(k => k.AuthenticateAsync("bk_short", default)));

        Assert.NotNull(await WithKeysAsync(k => k.AuthenticateAsync(expiring.PlainKey, default)));
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Null(await WithKeysAsync(k => k.AuthenticateAsync(expiring.PlainKey, default)));

        Assert.True(await WithKeysAsync(k => k.RevokeAsync(good.Key.Id, default)));
        Assert.False(await WithKeysAsync(k => k.RevokeAsync(good.Key.Id, default)));
        Assert.Null(await WithKeysAsync(k => k.AuthenticateAsync(good.PlainKey, default)));
    }

    [Fact]
    public async Task A_client_key_needs_an_existing_client()
    {
        foreach (var refused in new[]
                 {
                     () => WithKeysAsync(k => k.CreateAsync("x", ApiKeyScope.Client, "nobody", null, default)),
                     () => WithKeysAsync(k => k.CreateAsync("x", ApiKeyScope.Client, null, null, default)),
                     () => WithKeysAsync(k => k.CreateAsync("x", ApiKeyScope.Admin, "dr_serban", null, default)),
                 })
        {
            var e = await Assert.ThrowsAsync<InvalidInputException>(refused);
            Assert.Equal(["clientId"], e.Errors.ToDictionary().Keys);
        }
    }

    [Theory]
    [InlineData(null, 401)]
    [InlineData("Basic abc", 401)]
    [InlineData("Bearer bk_unknownkey00_secret", 401)]
    public async Task Requests_without_a_valid_key_get_a_401_problem(string? authorization, int status)
    {
        await using var scope = _services.CreateAsyncScope();
        var headers = authorization is null ? null : new Dictionary<string, string> { ["Authorization"] = authorization };
        var context = HttpTesting.NewContext(scope.ServiceProvider, headers: headers);

        var resolution = await scope.ServiceProvider.GetRequiredService<CallerResolver>().ResolveAsync(context.Request, Access.Read, default);

        Assert.Null(resolution.Caller);
        var response = await HttpTesting.ExecuteAsync(resolution.Problem!, context);
        Assert.Equal(status, response.Status);
        Assert.Equal("Bearer", response.Headers.WWWAuthenticate.ToString());
        Assert.StartsWith("application/problem+json", response.ContentType);
    }

    [Fact]
    public async Task A_reporting_key_is_forbidden_admin_operations()
    {
        var reporting = await WithKeysAsync(k => k.CreateAsync("bi", ApiKeyScope.Reporting, null, null, default));
        await using var scope = _services.CreateAsyncScope();
        var context = HttpTesting.NewContext(scope.ServiceProvider,
            headers: new Dictionary<string, string> { ["Authorization"] = "Bearer " + reporting.PlainKey });
        var resolver = scope.ServiceProvider.GetRequiredService<CallerResolver>();

        Assert.NotNull((await resolver.ResolveAsync(context.Request, Access.Read, default)).Caller);
        var admin = await resolver.ResolveAsync(context.Request, Access.Admin, default);
        Assert.Equal(403, (await HttpTesting.ExecuteAsync(admin.Problem!, context)).Status);
    }

    [Fact]
    public async Task A_remembered_key_still_expires_on_time_and_revoking_it_takes_effect_at_once()
    {
        var expiring = await WithKeysAsync(k => k.CreateAsync("expiring", ApiKeyScope.Reporting, null, _clock.GetUtcNow().AddMinutes(10), default));
        var revoked = await WithKeysAsync(k => k.CreateAsync("revoked", ApiKeyScope.Reporting, null, null, default));
        Assert.NotNull(await WithKeysAsync(k => k.AuthenticateAsync(expiring.PlainKey, default)));
        Assert.NotNull(await WithKeysAsync(k => k.AuthenticateAsync(revoked.PlainKey, default)));

        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await WithKeysAsync(k => k.RevokeAsync(revoked.Key.Id, default)));

        Assert.Null(await WithKeysAsync(k => k.AuthenticateAsync(expiring.PlainKey, default)));
        Assert.Null(await WithKeysAsync(k => k.AuthenticateAsync(revoked.PlainKey, default)));
    }
}
