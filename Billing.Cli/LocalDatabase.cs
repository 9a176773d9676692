using System.Diagnostics;

namespace Billing.Cli;

/// <summary>The project's local PostgreSQL cluster, through the same script the tests and CI use.</summary>
internal static class LocalDatabase
{
    public static string? FindRepository()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "scripts", "local-postgres.sh")))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }

    /// <summary>Starts (or reuses) the local cluster and returns its connection string.</summary>
    public static async Task<string> UpAsync(CancellationToken cancellationToken)
    {
        var repository = FindRepository() ?? throw new CliException(
            "The local database script (scripts/local-postgres.sh) was not found: run this from a clone of the repository, " +
            "or set ConnectionStrings__Billing to use another database.");
        var script = Path.Combine(repository, "scripts", "local-postgres.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true })
            ?? throw new CliException("Could not run " + script);
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0
            ? output.Trim()
            : throw new CliException($"{script} failed (exit code {process.ExitCode}); its messages are above.");
    }
}

/// <summary>An error the operator can act on: printed as is, without a stack trace.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int DatabaseUnavailable = 3;
}
