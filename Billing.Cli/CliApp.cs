using System.CommandLine;
using System.Data.Common;
using Billing.Domain.Data;
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
            IssuerCommands.Create(environment),
            InvoiceCommands.Create(environment),
            KeyCommands.Create(environment),
            AuditCommands.Create(environment),
            PaymentCommands.Create(environment),
            RateCommands.Create(environment),
            VatRateCommands.Create(environment),
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
        catch (Billing.Domain.Common.ConflictException e)
        {
            await environment.Error.WriteLineAsync($"error: {e.Field}: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (ArgumentException e)
        {
            await environment.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (DatabaseFaults.IsUnavailable(e, ct))
        {
            await environment.Error.WriteLineAsync(
                $"error: the database is unavailable ({Innermost(e).Message}). Retry later; for the local one run 'billing db up', " +
                "otherwise check ConnectionStrings__Billing and the server.");
            return ExitCodes.DatabaseUnavailable;
        }
        catch (Exception e) when (e is DbException or Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            // Reached, but it refused the work: the data or the schema is the problem, and retrying will not help.
            await environment.Error.WriteLineAsync($"error: the database refused the operation: {Innermost(e).Message}");
            return ExitCodes.Failure;
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
