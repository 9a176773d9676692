using Billing.Domain.Access;

namespace Billing.Domain.Audit;

/// <summary>Who made a change, as the audit trail names them. Services take it explicitly from their caller.</summary>
public sealed record Actor
{
    private Actor(string name) => Name = name;

    public string Name { get; }

    /// <summary>An HTTP caller, by the id of the API key it proved (never the key itself).</summary>
    public static Actor ApiKey(Guid keyId) => new($"key:{keyId}");

    public static Actor For(Caller caller) => ApiKey(caller.KeyId);

    /// <summary>An operator at the <c>billing</c> CLI, by operating-system user.</summary>
    public static Actor Cli(string osUser) =>
        new($"cli:{(string.IsNullOrWhiteSpace(osUser) ? "unknown" : osUser.Trim())}");

    /// <summary>The operator running this process's CLI command.</summary>
    public static Actor CurrentCliUser() => Cli(Environment.UserName);

    /// <summary>Stripe's webhooks.</summary>
    public static Actor Stripe { get; } = new("stripe");

    /// <summary>The app itself: the billing cycle, the overdue sweep, statement matching run by the timer.</summary>
    public static Actor System { get; } = new("system");

    public override string ToString() => Name;
}
