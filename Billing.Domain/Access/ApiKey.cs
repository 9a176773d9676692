namespace Billing.Domain.Access;

/// <summary>What a key may read or do: everything, read everything, or read one client's data.</summary>
public enum ApiKeyScope { Admin, Reporting, Client }

/// <summary>An API key for reporting tools and operators. Only a SHA-256 hash of the key is stored.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The key's public first characters, to find the row without scanning hashes.</summary>
    public required string Prefix { get; set; }
    public required byte[] KeyHash { get; set; }
    public ApiKeyScope Scope { get; set; }
    /// <summary>Set exactly when <see cref="Scope"/> is <see cref="ApiKeyScope.Client"/>.</summary>
    public string? ClientId { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// The revocation version: one row that advances whenever a key is revoked, deleted or has its expiry, scope or hash
/// changed (a trigger on "ApiKey", so the CLI and hand-written SQL count too). Instances compare it at most once a second
/// to drop the keys they remember (<see cref="ApiKeyCache"/>).
/// </summary>
public sealed class ApiKeyRevision
{
    public const int SingleId = 1;

    public int Id { get; set; } = SingleId;
    public long Revision { get; set; }
}
