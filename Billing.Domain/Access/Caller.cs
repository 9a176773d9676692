namespace Billing.Domain.Access;

/// <summary>Who is asking, as proven by an API key: what they may read and do.</summary>
public sealed record Caller(Guid KeyId, string KeyName, ApiKeyScope Scope, string? ClientId)
{
    public bool IsAdmin => Scope == ApiKeyScope.Admin;

    /// <summary>Admin and reporting keys read every client; a client key reads only its own client.</summary>
    public bool ReadsAllClients => Scope is ApiKeyScope.Admin or ApiKeyScope.Reporting;

    /// <summary>
    /// The operator at the <c>billing</c> CLI, who holds the database credentials and so reads as an admin key does.
    /// It proves no key, so it may only read: changes take an <see cref="Billing.Domain.Audit.Actor"/> of their own.
    /// </summary>
    public static Caller LocalOperator { get; } = new(Guid.Empty, "cli", ApiKeyScope.Admin, ClientId: null);

    public bool CanRead(string clientId) => ReadsAllClients || string.Equals(ClientId, clientId, StringComparison.Ordinal);
}
