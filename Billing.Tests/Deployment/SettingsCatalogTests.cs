using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Billing.Domain.Settings;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Billing.Tests.Deployment;

/// <summary>One catalog of settings (Billing.Domain/Settings/SettingsCatalog.cs), and everything that names settings agrees with it.</summary>
public sealed partial class SettingsCatalogTests
{
    /// <summary>Settings read straight from IConfiguration rather than bound to an options property.</summary>
    private static readonly string[] ReadDirectly = ["Vapi:Webhook:RawPayloadRetentionDays", "DATABASE_URL", "ConnectionStrings:Billing",
        "ConnectionStrings:BillingReadOnly", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];

    [Fact]
    public void Setting_names_are_unique_and_every_setting_says_what_it_does()
    {
        Assert.Empty(SettingsCatalog.All.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.All(SettingsCatalog.All, s => Assert.False(string.IsNullOrWhiteSpace(s.Meaning), s.Name));
        Assert.All(SettingsCatalog.All.Where(s => s.Secret), s => Assert.Null(s.Default));
    }

    [Fact]
    public void Every_options_property_is_in_the_catalog_with_the_same_default()
    {
        var problems = new List<string>();
        var bound = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in OptionsTypes())
        {
            var section = (string)type.GetField("Section")!.GetRawConstantValue()!;
            var instance = Activator.CreateInstance(type)!;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var isList = property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType);
                var name = $"{section}:{property.Name}" + (isList ? ":{n}" : "");
                bound.Add(name);
                var setting = SettingsCatalog.All.SingleOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
                var expectedDefault = isList ? null : AsConfigurationText(property.GetValue(instance));
                if (setting is null)
                {
                    problems.Add($"{type.Name}.{property.Name} is bound from {name}, which SettingsCatalog.All lacks: add " +
                        $"new(\"{name}\", {(expectedDefault is null ? "null" : $"\"{expectedDefault}\"")}, secret?, RequiredIn.?, \"what it does\").");
                }
                else if (setting.Default != expectedDefault)
                {
                    problems.Add($"{name}: the catalog says the default is {setting.Default ?? "none"}, {type.Name} says {expectedDefault ?? "none"}.");
                }
            }
        }
        var sections = OptionsTypes().Select(t => (string)t.GetField("Section")!.GetRawConstantValue()! + ":").ToList();
        problems.AddRange(SettingsCatalog.All
            .Where(s => s.ReadBy == ReadBy.App && !bound.Contains(s.Name) && !ReadDirectly.Contains(s.Name))
            .Select(s => $"{s.Name} is in the catalog but no options class binds it (remove it, or list it in ReadDirectly)."));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Superset(new HashSet<string> { "Billing:", "Vapi:", "Vapi:Webhook:", "ExchangeRates:" }, sections.ToHashSet());
    }

    [Fact]
    public void The_sample_local_settings_name_only_catalogued_settings_and_every_locally_required_one()
    {
        var sample = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("local.settings.sample.json")))!;
        var keys = sample["Values"]!.AsObject().Select(kv => kv.Key)
            .Concat(sample["ConnectionStrings"]!.AsObject().Select(kv => "ConnectionStrings:" + kv.Key))
            .ToList();

        Assert.DoesNotContain(keys, k => SettingsCatalog.Find(k) is null);
        var required = SettingsCatalog.All.Where(s => s.Required.HasFlag(RequiredIn.Local));
        Assert.Empty(required.Where(s => !keys.Any(s.Matches)).Select(s => s.Name));
    }

    [Fact]
    public void The_readme_configuration_table_is_the_catalog()
    {
        var readme = File.ReadAllText(RepositoryRoot.Combine("README.md")).ReplaceLineEndings("\n");
        var expected = ReadmeTable();

        Assert.True(readme.Contains(expected, StringComparison.Ordinal),
            "README.md's configuration table differs from SettingsCatalog.All; replace it with:\n" + expected);
    }

    [Fact]
    public async Task Bicep_sets_every_setting_azure_requires_and_only_what_differs_from_the_defaults()
    {
        var settings = BicepAppSettings();
        foreach (var environment in new[] { "trial", "prod" })
        {
            var parameters = await InfrastructureTests.BuildParametersAsync(environment);
            foreach (var (key, value) in parameters["appSettings"]?.AsObject() ?? [])
            {
                settings.Add((key, $"'{value!.GetValue<string>()}'", $"infra/environments/{environment}.bicepparam"));
            }
        }

        var problems = new List<string>();
        foreach (var (key, value, file) in settings)
        {
            var setting = SettingsCatalog.Find(key);
            var literal = value.StartsWith('\'') && value.EndsWith('\'') && !value.Contains("${", StringComparison.Ordinal) ? value[1..^1] : null;
            if (setting is null)
            {
                problems.Add($"{file}: {key} is not in SettingsCatalog.All.");
            }
            else if (!setting.Required.HasFlag(RequiredIn.Azure) && setting.Default is not null && literal == setting.Default)
            {
                problems.Add($"{file}: {key} = {literal} is the default; leave it out.");
            }
            else if (setting.Secret && !value.Contains("@Microsoft.KeyVault(", StringComparison.Ordinal)
                && !(setting.Name.StartsWith("ConnectionStrings:", StringComparison.Ordinal) && !value.Contains("Password", StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"{file}: {key} is a secret; set it as a Key Vault reference.");
            }
            else if (setting.Required == RequiredIn.Local)
            {
                problems.Add($"{file}: {key} is for a local machine only and must not be an app setting in Azure.");
            }
        }
        var missing = SettingsCatalog.All.Where(s => s.Required.HasFlag(RequiredIn.Azure) && !settings.Any(b => s.Matches(b.Key)));
        problems.AddRange(missing.Select(s => $"{s.Name} is required in Azure but infra/ does not set it."));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void An_unresolved_key_vault_reference_stops_start_up_naming_the_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vapi:Webhook:Secrets:0"] = "@Microsoft.KeyVault(VaultName=kv-billing;SecretName=vapi-webhook-secret)",
            ["Vapi:ApiKey"] = "a-resolved-key-value",
        }).Build();
        using var services = new ServiceCollection().AddSettingsChecks(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Vapi:Webhook:Secrets:0", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Vapi:ApiKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolved_settings_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vapi:Webhook:Secrets:0"] = "a-resolved-secret-value-of-32-characters",
        }).Build();
        using var services = new ServiceCollection().AddSettingsChecks(configuration).BuildServiceProvider();

        services.GetRequiredService<IStartupValidator>().Validate();
    }

    /// <summary>The README's configuration table, rendered from the catalog.</summary>
    internal static string ReadmeTable()
    {
        var table = new StringBuilder("| Setting | Default | Secret | Required | Meaning |\n|---|---|---|---|---|\n");
        foreach (var s in SettingsCatalog.All)
        {
            var required = s.Required switch
            {
                RequiredIn.Everywhere => "yes",
                RequiredIn.Azure => "in Azure",
                RequiredIn.Local => "locally",
                _ => "no",
            };
            var value = s.Default switch { null => "", "" => "(empty)", var d => $"`{d}`" };
            table.Append(CultureInfo.InvariantCulture, $"| `{s.Name}` | {value} | {(s.Secret ? "yes" : "no")} | {required} | {s.Meaning} |\n");
        }
        return table.ToString();
    }

    /// <summary>The app settings main.bicep and modules/function-app.bicep give the Function App: (key, Bicep value, file).</summary>
    private static List<(string Key, string Value, string File)> BicepAppSettings()
    {
        var settings = new List<(string, string, string)>();
        foreach (var (file, opening) in new[] { ("main.bicep", "settings: union("), ("modules/function-app.bicep", "properties: union(") })
        {
            var lines = File.ReadAllLines(Path.Combine(Bicep.InfraFolder, file));
            var start = Array.FindIndex(lines, l => l.Trim() == opening);
            Assert.True(start >= 0 && lines[start + 1].Trim() == "{", $"{file}: the app settings block ({opening} then {{) was not found");
            for (var i = start + 2; lines[i].Trim() is not ("}," or "}"); i++)
            {
                if (SettingLine().Match(lines[i]) is { Success: true } match)
                {
                    settings.Add((match.Groups["key"].Value, match.Groups["value"].Value.Trim(), "infra/" + file));
                }
            }
        }
        Assert.NotEmpty(settings);
        return settings;
    }

    private static IEnumerable<Type> OptionsTypes() =>
        new[] { typeof(SettingsCatalog).Assembly, typeof(Billing.Functions.FunctionsServiceCollectionExtensions).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal) && t.IsClass && !t.IsAbstract
                && t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true }
                && t.GetConstructor(Type.EmptyTypes) is not null);

    private static string? AsConfigurationText(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    [GeneratedRegex(@"^\s+(?<key>[A-Za-z_][A-Za-z0-9_]*):\s*(?<value>.+)$")]
    private static partial Regex SettingLine();
}
