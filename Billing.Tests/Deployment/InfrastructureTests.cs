using System.Text.Json.Nodes;

namespace Billing.Tests.Deployment;

/// <summary>CI has no cloud: what it can prove is that every Bicep file compiles and lints clean, every environment's
/// parameter file compiles against main.bicep, and each environment's connection budget holds.</summary>
public sealed class InfrastructureTests
{
    private static readonly string[] Environments = Directory.GetFiles(Path.Combine(Bicep.InfraFolder, "environments"), "*.bicepparam")
        .Select(Path.GetFileNameWithoutExtension).Order().ToArray()!;

    [Fact]
    public async Task Every_bicep_file_lints_without_a_warning()
    {
        var lint = await Bicep.RunAsync("lint", "--pattern", "**/*.bicep");

        Assert.Empty(lint.Diagnostics);
        Assert.Equal(0, lint.ExitCode);
    }

    [Fact]
    public async Task Every_bicep_file_builds_without_a_diagnostic()
    {
        var output = Directory.CreateTempSubdirectory("bicep-build-");
        try
        {
            var build = await Bicep.RunAsync("build", "--pattern", "**/*.bicep", "--outdir", output.FullName);

            Assert.Empty(build.Diagnostics);
            Assert.Equal(0, build.ExitCode);
            var sources = Directory.GetFiles(Bicep.InfraFolder, "*.bicep", SearchOption.AllDirectories).Select(Path.GetFileNameWithoutExtension);
            Assert.Equal(sources.Order(), output.GetFiles("*.json", SearchOption.AllDirectories).Select(f => Path.GetFileNameWithoutExtension(f.Name)).Order());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public void There_is_a_parameter_file_for_trial_and_for_production() => Assert.Equal(["prod", "trial"], Environments);

    [Fact]
    public async Task Every_parameter_file_compiles_and_keeps_its_connection_budget()
    {
        var template = await MainTemplateAsync();
        foreach (var environment in Environments)
        {
            var parameters = await BuildParametersAsync(environment);
            var budget = ConnectionBudget.From(template, parameters);

            Assert.True(budget.Fits, $"{environment}: {budget}");
            Assert.Equal(environment, parameters["environmentName"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Production_uses_general_purpose_compute_behind_pgbouncer_and_one_always_ready_http_instance()
    {
        var parameters = await BuildParametersAsync("prod");

        Assert.Equal("GeneralPurpose", parameters["postgresSkuTier"]!.GetValue<string>());
        Assert.True(parameters["pgBouncerEnabled"]!.GetValue<bool>());
        Assert.Equal(1, parameters["alwaysReadyHttpInstances"]!.GetValue<int>());
        Assert.False(parameters["trialPublicAccess"]?.GetValue<bool>() ?? false);
    }

    [Fact]
    public async Task The_trial_is_burstable_and_keeps_its_data_services_private_unless_asked()
    {
        var template = await MainTemplateAsync();
        var parameters = await BuildParametersAsync("trial");

        Assert.Equal("Burstable", parameters["postgresSkuTier"]!.GetValue<string>());
        Assert.False(parameters["trialPublicAccess"]!.GetValue<bool>());
        Assert.False(template["parameters"]!["trialPublicAccess"]!["defaultValue"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_over_budget_environment_fails_the_deployment_with_the_numbers()
    {
        // ARM evaluates fail() before creating anything (what-if too); the message must give the arithmetic.
        var template = await MainTemplateAsync();
        var budget = template["variables"]!["connectionBudget"]!.GetValue<string>();

        Assert.Contains("fail(", budget, StringComparison.Ordinal);
        Assert.Contains("Connection budget exceeded", budget, StringComparison.Ordinal);
        var overBudget = ConnectionBudget.From(template, new JsonObject
        {
            ["postgresMaxConnections"] = 429,
            ["poolSizePerInstance"] = 11,
            ["maximumInstanceCount"] = 40,
        });
        Assert.False(overBudget.Fits, overBudget.ToString());
    }

    // Each compilation costs seconds: build each file once per test run.
    private static readonly Lazy<Task<JsonObject>> MainTemplate = new(() => CompileTemplateAsync("main.bicep"));
    private static readonly Dictionary<string, Lazy<Task<JsonObject>>> ParameterFiles =
        Environments.ToDictionary(e => e, e => new Lazy<Task<JsonObject>>(() => CompileParametersAsync(e)));

    internal static async Task<JsonObject> MainTemplateAsync() => (JsonObject)(await MainTemplate.Value).DeepClone();

    /// <summary>The parameter file's values (name → value), as ARM would receive them.</summary>
    internal static async Task<JsonObject> BuildParametersAsync(string environment) =>
        (JsonObject)(await ParameterFiles[environment].Value).DeepClone();

    private static async Task<JsonObject> CompileTemplateAsync(string file)
    {
        var build = await Bicep.RunAsync("build", file, "--stdout");
        Assert.Equal(0, build.ExitCode);
        return JsonNode.Parse(build.Output[build.Output.IndexOf('{', StringComparison.Ordinal)..])!.AsObject();
    }

    private static async Task<JsonObject> CompileParametersAsync(string environment)
    {
        var output = Directory.CreateTempSubdirectory("bicep-params-");
        try
        {
            var build = await Bicep.RunAsync("build-params", Path.Combine("environments", environment + ".bicepparam"),
                "--outfile", Path.Combine(output.FullName, "parameters.json"));
            Assert.Empty(build.Diagnostics);
            Assert.Equal(0, build.ExitCode);
            var document = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, "parameters.json")))!;
            var values = new JsonObject();
            foreach (var (name, parameter) in document["parameters"]!.AsObject())
            {
                values[name] = parameter!["value"]!.DeepClone();
            }
            return values;
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>The rule main.bicep enforces with fail(), computed from a parameter file and the template's defaults.</summary>
    private sealed record ConnectionBudget(int Instances, int PoolSize, int MaxConnections, int Reserve, bool PgBouncer,
        int PgBouncerPoolSize, int PgBouncerMaxClients)
    {
        public int AppConnections => Instances * PoolSize;

        public bool Fits => PgBouncer
            ? AppConnections <= PgBouncerMaxClients && PgBouncerPoolSize <= MaxConnections - Reserve
            : AppConnections <= MaxConnections - Reserve;

        public static ConnectionBudget From(JsonObject template, JsonObject parameters)
        {
            T Value<T>(string name) => (parameters[name] ?? template["parameters"]![name]!["defaultValue"]
                ?? throw new InvalidOperationException($"{name} has no value and no default")).GetValue<T>();
            return new ConnectionBudget(Value<int>("maximumInstanceCount"), Value<int>("poolSizePerInstance"),
                Value<int>("postgresMaxConnections"), Value<int>("postgresReservedConnections"), Value<bool>("pgBouncerEnabled"),
                Value<int>("pgBouncerPoolSize"), Value<int>("pgBouncerMaxClientConnections"));
        }

        public override string ToString() =>
            $"{Instances} instances x {PoolSize} = {AppConnections} connections; server {MaxConnections} - reserve {Reserve}" +
            (PgBouncer ? $"; PgBouncer pool {PgBouncerPoolSize}, max clients {PgBouncerMaxClients}" : "");
    }
}
