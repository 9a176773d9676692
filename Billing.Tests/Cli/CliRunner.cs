using Billing.Cli;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Tests.Cli;

/// <summary>Runs `billing ...` in-process against a test database (and any further settings), capturing what it prints.</summary>
public sealed class CliRunner(TestDatabase database, FakeTimeProvider? clock = null, Dictionary<string, string?>? settings = null)
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public async Task<Result> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment
        {
            Out = output,
            Error = error,
            Interactive = false,
            Clock = clock,
            Settings = new Dictionary<string, string?>(settings ?? []) { ["ConnectionStrings:Billing"] = database.ConnectionString },
        };
        var exit = await CliApp.RunAsync(args, environment);
        return new Result(exit, output.ToString(), error.ToString());
    }
}
