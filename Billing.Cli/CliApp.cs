using System.CommandLine;
using Npgsql;

namespace Billing.Cli;

/// <summary>The <c>billing</c> command tree and its exit codes.</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken ct = default)
    {
        var root = new RootCommand("billing: operate the voice-AI billing system (database, billing cycle, calls, clients, keys, invoices).")
        {
            DemoCommand.Create(environment),
            DatabaseCommands.Create(environment),
            CycleCommands.Create(environment),
            CallCommands.Create(environment),
            ClientCommands.Create(environment),
            InvoiceCommands.Create(environment),
            KeyCommands.Create(environment),
            RateCommands.Create(environment),
            OutboxCommands.Create(environment),
        };
        var invocation = new InvocationConfiguration { Output = environment.Out, Error = environment.Error, EnableDefaultExceptionHandler = false };
        try
        {
            return await root.Parse(args).InvokeAsync(invocation, ct);
        }
        catch (CliException e)
        {
            await environment.Error.WriteLineAsync($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (Billing.Domain.Vapi.VapiUnavailableException e)
        {
            await environment.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (ArgumentException e)
        {
            await environment.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (NpgsqlException e)
        {
            await environment.Error.WriteLineAsync(
                $"error: the database could not be reached ({e.Message}). Run 'billing db up' for the local one, or check ConnectionStrings__Billing.");
            return ExitCodes.DatabaseUnavailable;
        }
    }
}
