using System.Diagnostics;
using System.Reflection;
using Billing.Tests.Infrastructure;

namespace Billing.Tests.Deployment;

/// <summary>The Bicep CLI restored from the NuGet package Azure.Bicep.CommandLine.linux-x64 (see Billing.Tests.csproj).</summary>
internal static class Bicep
{
    public static string InfraFolder { get; } = RepositoryRoot.Combine("infra");

    public static string ExecutablePath { get; } = Find();

    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>Bicep prints one line per diagnostic: "path(line,col) : Warning rule: message".</summary>
        public IReadOnlyList<string> Diagnostics => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.Contains(" : Warning ", StringComparison.Ordinal) || l.Contains(" : Error ", StringComparison.Ordinal)
                || l.Contains(" : Info ", StringComparison.Ordinal))
            .ToList();
    }

    public static async Task<Result> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = InfraFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // No telemetry, and no network: nothing here restores external modules.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout + await stderr);
    }

    private static string Find()
    {
        var configured = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "BicepPath")?.Value;
        if (string.IsNullOrEmpty(configured))
        {
            throw new InvalidOperationException("BicepPath is not set: the Azure.Bicep.CommandLine.linux-x64 package was not restored.");
        }
        // The package's props file writes the path with Windows separators.
        var path = Path.GetFullPath(configured.Replace('\\', '/'));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The Bicep CLI is not where its package said it would be.", path);
        }
        return path;
    }
}
