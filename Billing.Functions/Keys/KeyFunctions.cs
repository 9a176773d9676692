using Billing.Domain.Access;
using Billing.Domain.Audit;

namespace Billing.Functions.Keys;

/// <summary>API keys, managed by admins: created (the plain key is shown once), listed and revoked.</summary>
public sealed class KeyFunctions(ApiKeyService keys, CallerResolver callers)
{
    [Function(nameof(ListKeys))]
    public Task<IResult> ListKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "keys")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Admin, [], (_, q) =>
            q.RespondAsync(async () => q.List((await keys.ListAsync(ct)).Select(KeyView.From).ToList())), ct);

    public sealed record CreateKeyRequest : IValidatedBody
    {
        public required string Name { get; init; }
        /// <summary><c>admin</c>, <c>reporting</c> or <c>client</c> (with <see cref="ClientId"/>).</summary>
        public required string Scope { get; init; }
        public string? ClientId { get; init; }
        public DateTimeOffset? ExpiresAt { get; init; }

        public FieldErrors Validate() => new FieldErrors()
            .Check(TextEnum.TryParse<ApiKeyScope>(Scope, out _), "scope", "Expected admin, reporting or client.");
    }

    [Function(nameof(CreateKey))]
    public Task<IResult> CreateKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "keys")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync<CreateKeyRequest>(request, Access.Admin, async (caller, body) =>
        {
            var created = await keys.CreateAsync(body.Name, TextEnum.Parse<ApiKeyScope>(body.Scope), body.ClientId, body.ExpiresAt,
                Actor.For(caller), ct);
            return TypedResults.Created($"/api/keys/{created.Key.Id}", new CreatedKeyView(KeyView.From(created.Key), created.PlainKey));
        }, ct);

    [Function(nameof(RevokeKey))]
    public Task<IResult> RevokeKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "keys/{id}")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Admin, async caller =>
            Guid.TryParse(id, out var keyId) && await keys.RevokeAsync(keyId, Actor.For(caller), ct)
                ? TypedResults.NoContent()
                : Problems.NotFound($"No active key '{id}'."), ct);
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
