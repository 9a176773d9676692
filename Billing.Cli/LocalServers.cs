using System.Diagnostics;

namespace Billing.Cli;

/// <summary>The project's local servers, through the same scripts the tests and CI use (<c>scripts/local-*.sh</c>).</summary>
internal static class LocalServers
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

    /// <summary>Starts (or reuses) the local PostgreSQL cluster and returns its connection string.</summary>
    public static async Task<string> DatabaseAsync(CancellationToken cancellationToken) =>
        (await RunAsync("local-postgres.sh", "set ConnectionStrings__Billing to use another database", cancellationToken)).Trim();

    /// <summary>
    /// Starts (or reuses) the local SMTP server (smtp4dev) and returns the app's settings for it, plus <c>WebUi</c>, the
    /// address of its mailbox.
    /// </summary>
    public static async Task<Dictionary<string, string?>> MailAsync(CancellationToken cancellationToken)
    {
        var output = await RunAsync("local-smtp.sh", "set Smtp__Host to use another SMTP server", cancellationToken);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => (string?)pair[1]);
    }

    private static async Task<string> RunAsync(string name, string otherwise, CancellationToken cancellationToken)
    {
        var repository = FindRepository() ?? throw new CliException(
            $"The local server script (scripts/{name}) was not found: run this from a clone of the repository, or {otherwise}.");
        var script = Path.Combine(repository, "scripts", name);
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true })
            ?? throw new CliException("Could not run " + script);
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0
            ? output
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
    /// <summary><c>cycle run</c> completed, but some clients failed a step on their data and were skipped (docs/decisions/0021).</summary>
    public const int ClientFailures = 4;
}
