using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Billing.Tests.Functions;
using Billing.Tests.Infrastructure;

namespace Billing.Tests.Deployment;

/// <summary>scripts/deploy without a cloud: the dry run prints every step in the safe order and runs none, and the
/// package CI builds with it holds what the Functions host needs.</summary>
public sealed class DeployScriptTests
{
    private const string WebhookSecret = "dry-run-secret-never-printed-0001";

    [Theory]
    [InlineData("trial")]
    [InlineData("prod")]
    public async Task A_dry_run_prints_every_step_in_order_and_no_secret(string environment)
    {
        var (exitCode, output) = await RunAsync(environment, "--dry-run");

        Assert.True(exitCode == 0, output);
        string[] steps =
        [
            "+ dotnet build Billing.sln -c Release",
            "+ dotnet test",
            "+ dotnet publish Billing.Functions/Billing.Functions.csproj -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true",
            "+ python3 scripts/check-package.py",
            "+ dotnet ef migrations bundle --project Billing.Domain --configuration Release --self-contained -r linux-x64",
            $"build-params infra/environments/{environment}.bicepparam",
            "+ az deployment group what-if",
            "az deployment group create --resource-group",
            "+ az storage blob upload --auth-mode login",
            "--name migrate-",
            "+ az functionapp deployment source config-zip",
            "/api/health",
            "/api/vapi/webhook",
        ];
        var positions = steps.Select(s => output.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.All(steps.Zip(positions), p => Assert.True(p.Second >= 0, $"the dry run does not print {p.First}:\n{output}"));
        Assert.Equal(positions.Order(), positions);
        Assert.DoesNotContain(WebhookSecret, output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(RepositoryRoot.Combine(".local", "deploy")) &&
            Directory.GetDirectories(RepositoryRoot.Combine(".local", "deploy"), environment + "-*").Any(d => Directory.GetFileSystemEntries(d).Length > 0),
            "a dry run must not write anything");
    }

    [Fact]
    public async Task An_unknown_environment_is_refused_before_anything_runs()
    {
        var (exitCode, output) = await RunAsync("staging", "--dry-run");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("no infra/environments/staging.bicepparam", output, StringComparison.Ordinal);
        Assert.DoesNotContain("+ dotnet", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_environment_says_where_it_lives()
    {
        foreach (var parameters in Directory.GetFiles(Path.Combine(Bicep.InfraFolder, "environments"), "*.bicepparam"))
        {
            var env = File.ReadAllText(Path.ChangeExtension(parameters, ".env"));
            Assert.Matches("(?m)^RESOURCE_GROUP=rg-[a-z0-9-]+$", env);
            Assert.Matches("(?m)^LOCATION=[a-z0-9]+$", env);
        }
    }

    /// <summary>CI builds the package with scripts/deploy package (BILLING_PACKAGE_ZIP names it); locally this is skipped.</summary>
    [Fact]
    public void The_published_package_holds_host_json_and_functions_metadata_listing_every_function()
    {
        var zip = Environment.GetEnvironmentVariable("BILLING_PACKAGE_ZIP");
        Assert.SkipWhen(string.IsNullOrEmpty(zip), "BILLING_PACKAGE_ZIP is not set: run scripts/deploy package --out DIR (CI does) and set it to DIR/app.zip.");

        using var archive = ZipFile.OpenRead(zip!);
        Assert.NotNull(archive.GetEntry("host.json"));
        Assert.NotNull(archive.GetEntry("Billing.Functions.dll"));
        using var metadata = archive.GetEntry("functions.metadata")!.Open();
        var names = JsonNode.Parse(metadata)!.AsArray().Select(f => f!["name"]!.GetValue<string>()).Order();
        Assert.Equal(FunctionsMetadataTests.ExpectedFunctions.Keys.Order(), names);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Path };
        start.ArgumentList.Add(RepositoryRoot.Combine("scripts", "deploy"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["BILLING_VAPI_WEBHOOK_SECRET"] = WebhookSecret;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
