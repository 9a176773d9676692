using System.Diagnostics;
using Billing.Domain.Access;
using Billing.Domain.Data;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Tests.Security;

/// <summary>
/// A revoked key stops working on every instance within about a second (each instance reads the revocation version at
/// most once a second); expiry is checked on every request; <c>lastUsedAt</c> is written off the request path.
/// Each service provider here is one instance of the app.
/// </summary>
public sealed class RevocationTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 12, 1, 8, 0, 0, TimeSpan.Zero));

    private static async Task<T> KeysAsync<T>(IServiceProvider instance, Func<ApiKeyService, Task<T>> action)
    {
        await using var scope = instance.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<ApiKeyService>());
    }

    /// <summary>How long <paramref name="instance"/> keeps accepting <paramref name="key"/>, polling every 20 ms (at most 5 s).</summary>
    private static async Task<TimeSpan> AcceptedForAsync(IServiceProvider instance, string key)
    {
        var watch = Stopwatch.StartNew();
        while (await KeysAsync(instance, k => k.AuthenticateAsync(key, default)) is not null && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }
        return watch.Elapsed;
    }

    [Fact]
    public async Task A_key_revoked_on_one_instance_stops_working_on_another_within_a_second()
    {
        await using var first = database.CreateServices(_clock);
        await using var second = database.CreateServices(_clock);
        var created = await KeysAsync(first, k => k.CreateAsync("bi-rev", ApiKeyScope.Reporting, null, null, default));
        // The second instance has proven the key and remembers it (for up to 30 s without the version check).
        Assert.NotNull(await KeysAsync(second, k => k.AuthenticateAsync(created.PlainKey, default)));
        Assert.NotNull(await KeysAsync(second, k => k.AuthenticateAsync(created.PlainKey, default)));

        Assert.True(await KeysAsync(first, k => k.RevokeAsync(created.Key.Id, default)));
        var accepted = await AcceptedForAsync(second, created.PlainKey);

        Assert.True(accepted < TimeSpan.FromSeconds(1.5), $"still accepted after {accepted.TotalMilliseconds:0} ms");
        Assert.Null(await KeysAsync(first, k => k.AuthenticateAsync(created.PlainKey, default)));
    }

    [Fact]
    public async Task A_revocation_written_outside_the_app_counts_too()
    {
        // The CLI revokes through the same service; a DBA's UPDATE advances the version through the trigger all the same.
        await using var instance = database.CreateServices(_clock);
        var created = await KeysAsync(instance, k => k.CreateAsync("bi-sql", ApiKeyScope.Reporting, null, null, default));
        Assert.NotNull(await KeysAsync(instance, k => k.AuthenticateAsync(created.PlainKey, default)));
        await using var db = database.CreateContext();
        var before = await db.ApiKeyRevisions.Select(r => r.Revision).SingleAsync();

        await db.Database.ExecuteSqlAsync($"""UPDATE "ApiKey" SET "revokedAt" = now() WHERE "id" = {created.Key.Id}""");

        Assert.True(await db.ApiKeyRevisions.Select(r => r.Revision).SingleAsync() > before);
        Assert.True(await AcceptedForAsync(instance, created.PlainKey) < TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task A_remembered_key_expires_on_the_request_after_its_expiry()
    {
        await using var instance = database.CreateServices(_clock);
        var created = await KeysAsync(instance, k => k.CreateAsync("bi-exp", ApiKeyScope.Reporting, null, _clock.GetUtcNow().AddMinutes(5), default));
        Assert.NotNull(await KeysAsync(instance, k => k.AuthenticateAsync(created.PlainKey, default)));

        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(await KeysAsync(instance, k => k.AuthenticateAsync(created.PlainKey, default)));
    }

    [Fact]
    public async Task Requests_never_write_last_used_and_the_flush_does_once_for_many_requests()
    {
        await using var instance = database.CreateServices(_clock);
        var created = await KeysAsync(instance, k => k.CreateAsync("bi-used", ApiKeyScope.Reporting, null, null, default));
        await using var db = database.CreateContext();
        // The primary refuses every write to the keys: reading must not care.
        await db.Database.ExecuteSqlRawAsync("""
            CREATE FUNCTION test_refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'read-only'; END $$;
            CREATE TRIGGER test_read_only BEFORE UPDATE ON "ApiKey" FOR EACH ROW EXECUTE FUNCTION test_refuse_write();
            """);
        var api = new Api(instance);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(200, (await api.GetAsync("/api/invoices", created.PlainKey)).Status);
                _clock.Advance(TimeSpan.FromSeconds(10));
            }
            var usage = instance.GetRequiredService<ApiKeyUsage>();
            await using (var scope = instance.CreateAsyncScope())
            {
                // Best effort: the failed write keeps the sighting for the next flush.
                await Assert.ThrowsAnyAsync<Exception>(() => usage.FlushAsync(scope.ServiceProvider.GetRequiredService<BillingDbContext>(), default));
            }
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("""DROP TRIGGER test_read_only ON "ApiKey"; DROP FUNCTION test_refuse_write();""");
        }
        Assert.Null((await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == created.Key.Id)).LastUsedAt);

        await using (var scope = instance.CreateAsyncScope())
        {
            Assert.Equal(1, await instance.GetRequiredService<ApiKeyUsage>().FlushAsync(scope.ServiceProvider.GetRequiredService<BillingDbContext>(), default));
            Assert.Equal(0, await instance.GetRequiredService<ApiKeyUsage>().FlushAsync(scope.ServiceProvider.GetRequiredService<BillingDbContext>(), default));
        }

        // The latest of the three requests, written once.
        Assert.Equal(new DateTimeOffset(2025, 12, 1, 8, 0, 20, TimeSpan.Zero),
            (await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == created.Key.Id)).LastUsedAt);
    }
}
