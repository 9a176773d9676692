using Billing.Domain.Access;
using Billing.Domain.Payments;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.Payments;

/// <summary>The Idempotency-Key rules of the IETF draft on POST /api/invoices/{id}/payments, scoped per API key.</summary>
public sealed class IdempotencyKeyTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private const string Body = """{"amount":100,"method":"transfer","reference":"VAI-1"}""";

    [Fact]
    public async Task The_same_key_and_body_answer_the_first_response_and_record_one_payment()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("idem_same");

        var first = await world.PayAsync(invoice.Id, Body, "key-1");
        // Same request, other whitespace and field order: the same request.
        var again = await world.PayAsync(invoice.Id, """{ "method": "transfer", "reference": "VAI-1", "amount": 100 }""", "\"key-1\"");
        Assert.Equal(201, first.Status);
        Assert.Equal((first.Status, first.Body), (again.Status, again.Body));

        var other = await world.PayAsync(invoice.Id, """{"amount":200,"method":"transfer"}""", "key-1");
        Assert.Equal(422, other.Status);
        Assert.True(other.Json.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));

        // Keys are per API key: another key's "key-1" is another operation.
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            var second = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("admin 2", ApiKeyScope.Admin, null, null, default)).PlainKey;
            Assert.Equal(201, (await world.PayAsync(invoice.Id, Body, "key-1", second)).Status);
        }
        var missing = await world.Api.SendAsync("POST", $"/api/invoices/{invoice.Id}/payments", world.AdminKey, Body);
        Assert.Equal(400, missing.Status);
        Assert.Equal(400, (await world.PayAsync(invoice.Id, Body, new string('k', 256))).Status);

        await using var db = database.CreateContext();
        Assert.Equal(2, await db.Payments.CountAsync(p => p.InvoiceId == invoice.Id));

        // Kept at least 24 hours; after the retention the key is free again.
        world.Scenario.Clock.Advance(TimeSpan.FromHours(24));
        Assert.Equal(first.Body, (await world.PayAsync(invoice.Id, Body, "key-1")).Body);
        world.Scenario.Clock.Advance(IdempotencyKeys.Retention);
        Assert.Equal(201, (await world.PayAsync(invoice.Id, """{"amount":200,"method":"transfer"}""", "key-1")).Status);
    }

    [Fact]
    public async Task A_request_while_the_first_with_its_key_is_in_flight_is_409_and_two_at_once_record_one_payment()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("idem_flight");
        Guid keyId;
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            keyId = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().AuthenticateAsync(world.AdminKey, default))!.KeyId;
        }

        // The first request holds the key's lock for as long as it runs: here, a transaction that holds it.
        await using (var holder = new NpgsqlConnection(database.ConnectionString))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var hold = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@class, hashtext(@scope))", holder, transaction))
            {
                hold.Parameters.AddWithValue("class", 0x1DE9);
                hold.Parameters.AddWithValue("scope", $"{keyId:N}:flight-1");
                await hold.ExecuteNonQueryAsync();
            }
            var conflict = await world.PayAsync(invoice.Id, Body, "flight-1");
            Assert.Equal(409, conflict.Status);
        }
        Assert.Equal(201, (await world.PayAsync(invoice.Id, Body, "flight-1")).Status);

        var both = await Task.WhenAll(Task.Run(() => world.PayAsync(invoice.Id, Body, "flight-2")), Task.Run(() => world.PayAsync(invoice.Id, Body, "flight-2")));
        Assert.Contains(both, r => r.Status == 201);
        Assert.All(both, r => Assert.True(r.Status is 201 or 409, r.Body));
        await using var db = database.CreateContext();
        Assert.Equal(2, await db.Payments.CountAsync(p => p.InvoiceId == invoice.Id));
    }

    [Fact]
    public async Task A_5xx_answer_is_never_stored_so_the_retry_runs_again()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var keyId = Guid.NewGuid();
        var runs = 0;
        async Task<IdempotencyKeys.Result> RunAsync(int status)
        {
            await using var scope = world.Scenario.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IdempotencyKeys>().RunAsync(keyId, "k", [1, 2, 3], () =>
            {
                runs++;
                return Task.FromResult(new IdempotencyKeys.Answer(status, "application/problem+json", "{}"));
            }, default);
        }

        Assert.Equal(503, (await RunAsync(503)).Answer!.Status);
        Assert.Equal(201, (await RunAsync(201)).Answer!.Status);
        var replay = await RunAsync(500);
        Assert.Equal((IdempotencyKeys.Outcome.Replayed, 201, 2), (replay.Outcome, replay.Answer!.Status, runs));
    }
}
