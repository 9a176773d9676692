using Billing.Domain.Access;
using Billing.Functions.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Keys;

/// <summary>API keys, managed by admins: created (the plain key is shown once), listed and revoked.</summary>
public sealed class KeyFunctions(ApiKeyService keys, CallerResolver callers)
{
    [Function("ListKeys")]
    public async Task<IResult> ListKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "keys")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request);
        var csv = Listing.WantsCsv(request, q);
        return q.Valid ? Listing.Respond(csv, (await keys.ListAsync(ct)).Select(KeyView.From).ToList()) : q.Problem;
    }

    public sealed record CreateKeyRequest
    {
        public required string Name { get; init; }
        /// <summary><c>admin</c>, <c>reporting</c> or <c>client</c> (with <see cref="ClientId"/>).</summary>
        public required string Scope { get; init; }
        public string? ClientId { get; init; }
        public DateTimeOffset? ExpiresAt { get; init; }
    }

    [Function("CreateKey")]
    public async Task<IResult> CreateKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "keys")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var (body, problem) = await JsonBody.ReadAsync<CreateKeyRequest>(request, ct);
        if (body is null)
        {
            return problem!;
        }
        if (!Domain.Common.TextEnum.TryParse<ApiKeyScope>(body.Scope, out var scope))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["scope"] = ["Expected admin, reporting or client."] });
        }
        try
        {
            var created = await keys.CreateAsync(body.Name, scope, body.ClientId, body.ExpiresAt, ct);
            return TypedResults.Created($"/api/keys/{created.Key.Id}", new CreatedKeyView(KeyView.From(created.Key), created.PlainKey));
        }
        catch (ArgumentException e)
        {
            return Problems.Refused(e);
        }
    }

    [Function("RevokeKey")]
    public async Task<IResult> RevokeKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "keys/{id}")] HttpRequest request, string id, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        return Guid.TryParse(id, out var keyId) && await keys.RevokeAsync(keyId, ct)
            ? TypedResults.NoContent()
            : Problems.NotFound($"No active key '{id}'.");
    }
}

/// <summary>A key as listed: never its secret or hash.</summary>
public sealed record KeyView(Guid Id, string Name, string Prefix, string Scope, string? ClientId, string? ExpiresAt, string? RevokedAt,
    string? LastUsedAt, string CreatedAt)
{
    public static KeyView From(ApiKey k) => new(k.Id, k.Name, k.Prefix, Formats.Lower(k.Scope), k.ClientId, Formats.Instant(k.ExpiresAt),
        Formats.Instant(k.RevokedAt), Formats.Instant(k.LastUsedAt), Formats.Instant(k.CreatedAt));
}

/// <summary>The one response that carries the plain key: store it now, it cannot be shown again.</summary>
public sealed record CreatedKeyView(KeyView Key, string PlainKey);
