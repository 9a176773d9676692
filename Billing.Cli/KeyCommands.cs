using System.CommandLine;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing keys create|list|revoke</c>: API keys for reporting tools and operators.</summary>
internal static class KeyCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var name = new Option<string>("--name") { Description = "What the key is for (e.g. 'Power BI').", Required = true };
        var scope = new Option<string>("--scope")
        {
            Description = "admin (everything), reporting (read all) or client:<clientId> (read one client).",
            Required = true,
        };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "Expiry instant (ISO 8601); none by default." };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };

        var create = new Command("create", "Create a key. The plain key is printed once; store it now.") { name, scope, expires, json };
        create.SetAction(async (parse, ct) =>
        {
            var (keyScope, clientId) = ParseScope(parse.GetValue(scope)!);
            await using var services = await CliServices.BuildAsync(environment, ct);
            await using var serviceScope = services.CreateAsyncScope();
            var created = await serviceScope.ServiceProvider.GetRequiredService<ApiKeyService>()
                .CreateAsync(parse.GetValue(name)!, keyScope, clientId, parse.GetValue(expires), Actor.CurrentCliUser(), ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, new { created.Key.Id, created.Key.Name, Scope = ScopeText(created.Key), key = created.PlainKey });
            }
            else
            {
                environment.Out.WriteLine($"Created key {created.Key.Id} ({ScopeText(created.Key)}). It is shown only now:");
                environment.Out.WriteLine(created.PlainKey);
            }
            return ExitCodes.Success;
        });

        var list = new Command("list", "List keys (never their secrets).") { json };
        list.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.BuildAsync(environment, ct);
            await using var serviceScope = services.CreateAsyncScope();
            var keys = await serviceScope.ServiceProvider.GetRequiredService<ApiKeyService>().ListAsync(ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, keys.Select(k => new
                {
                    k.Id,
                    k.Name,
                    Scope = ScopeText(k),
                    k.Prefix,
                    k.CreatedAt,
                    k.ExpiresAt,
                    k.RevokedAt,
                    k.LastUsedAt,
                }));
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["id", "name", "scope", "prefix", "created", "expires", "revoked", "last used"],
                keys.Select(k => (IReadOnlyList<string>)[k.Id.ToString(), k.Name, ScopeText(k), k.Prefix, Instant(k.CreatedAt),
                    Instant(k.ExpiresAt), Instant(k.RevokedAt), Instant(k.LastUsedAt)]));
            return ExitCodes.Success;
        });

        var id = new Argument<Guid>("id") { Description = "The key's id (from 'billing keys list')." };
        var revoke = new Command("revoke", "Revoke a key at once.") { id };
        revoke.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.BuildAsync(environment, ct);
            await using var serviceScope = services.CreateAsyncScope();
            if (!await serviceScope.ServiceProvider.GetRequiredService<ApiKeyService>().RevokeAsync(parse.GetValue(id), Actor.CurrentCliUser(), ct))
            {
                throw new CliException($"No active key {parse.GetValue(id)}: see 'billing keys list'.");
            }
            environment.Out.WriteLine($"Revoked key {parse.GetValue(id)}.");
            return ExitCodes.Success;
        });

        return new Command("keys", "API keys for the HTTP API.") { create, list, revoke };
    }

    private static (ApiKeyScope Scope, string? ClientId) ParseScope(string text) => text switch
    {
        "admin" => (ApiKeyScope.Admin, null),
        "reporting" => (ApiKeyScope.Reporting, null),
        _ when text.StartsWith("client:", StringComparison.Ordinal) && text.Length > "client:".Length =>
            (ApiKeyScope.Client, text["client:".Length..]),
        _ => throw new ArgumentException($"--scope must be admin, reporting or client:<clientId>, not '{text}'."),
    };

    private static string ScopeText(ApiKey key) => key.Scope == ApiKeyScope.Client ? $"client:{key.ClientId}" : key.Scope.ToString().ToLowerInvariant();

    private static string Instant(DateTimeOffset? instant) => instant?.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'") ?? "";
}
