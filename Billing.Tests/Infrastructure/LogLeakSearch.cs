using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// Every log entry of one service provider built by <see cref="TestDatabase.CreateServices"/>, at every level, searched
/// after each request for the credentials in play: the secrets configured, every API key and webhook secret a request
/// presented (right or wrong), and anything shaped like a plain API key. So every API and webhook test is also a test
/// that no key or secret reaches the logs.
/// </summary>
public sealed partial class LogLeakSearch
{
    // Configuration keys whose values are credentials (Vapi:Webhook:Secrets:0, Smtp:Password, Stripe:SecretKey, ...).
    private static readonly string[] SecretSettings = ["Secrets", "BearerTokens", "HmacSecrets", "Password", "SecretKey", "WebhookSecrets", "ApiKey"];

    // Shorter values ("nope", "wrong") would match ordinary words; every real credential here is longer.
    private const int ShortestSecret = 16;

    private readonly List<string> _secrets = [];
    private int _searchedEntries;
    private int _searchedSecrets;
    private readonly List<string> _leaks = [];

    public CapturingLoggerProvider Logs { get; } = new();

    public LogLeakSearch(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is not null && key.Split(':').Any(part => SecretSettings.Contains(part, StringComparer.OrdinalIgnoreCase)))
            {
                Watch(value);
            }
        }
    }

    /// <summary>Watches the credentials a request presents: bearer keys (and their secret part) and Vapi's shared secret.</summary>
    public void WatchCredentialsOf(HttpRequest request)
    {
        foreach (var value in request.Headers.Authorization)
        {
            var credential = value?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true ? value[7..].Trim() : value;
            Watch(credential);
            Watch(credential?[(credential.LastIndexOf('_') + 1)..]);
        }
        foreach (var value in request.Headers["X-Vapi-Secret"])
        {
            Watch(value);
        }
    }

    /// <summary>Each leak found so far, as "category: what leaked".</summary>
    public IReadOnlyList<string> Leaks()
    {
        lock (_secrets)
        {
            // New entries against every secret; entries searched before against the secrets watched since.
            var fresh = Logs.Since(_searchedEntries);
            foreach (var entry in fresh)
            {
                Search(entry, _secrets);
                foreach (Match key in PlainKey().Matches(entry.Message))
                {
                    _leaks.Add($"{entry.Category}: an API key {key.Value[..8]}…");
                }
            }
            if (_searchedSecrets < _secrets.Count)
            {
                var newSecrets = _secrets.Skip(_searchedSecrets).ToList();
                foreach (var entry in Logs.Since(0).Take(_searchedEntries))
                {
                    Search(entry, newSecrets);
                }
            }
            _searchedEntries += fresh.Count;
            _searchedSecrets = _secrets.Count;
            return [.. _leaks];
        }
    }

    private void Search(CapturingLoggerProvider.Entry entry, IEnumerable<string> secrets) =>
        _leaks.AddRange(secrets.Where(s => entry.Message.Contains(s, StringComparison.Ordinal))
            .Select(s => $"{entry.Category} ({entry.Level}): a secret starting '{s[..4]}…' in \"{Excerpt(entry.Message.Replace(s, "[SECRET]", StringComparison.Ordinal))}\""));

    private static string Excerpt(string message) => message.Length <= 300 ? message : message[..300] + "…";

    private void Watch(string? secret)
    {
        if (secret is { Length: >= ShortestSecret })
        {
            lock (_secrets)
            {
                if (!_secrets.Contains(secret))
                {
                    _secrets.Add(secret);
                }
            }
        }
    }

    [GeneratedRegex("bk_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}")]
    private static partial Regex PlainKey();
}
