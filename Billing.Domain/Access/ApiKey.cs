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
