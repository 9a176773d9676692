using System.CommandLine;
using Billing.Cli;
using Npgsql;

var root = new RootCommand("billing: operate the voice-AI billing system (database, billing cycle, calls, clients, keys, invoices).")
{
    DatabaseCommands.Create(),
    DemoCommand.Create(),
};

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return e.ExitCode;
}
catch (NpgsqlException e)
{
    Console.Error.WriteLine($"error: the database could not be reached ({e.Message}). Run 'billing db up' for the local one, or check ConnectionStrings__Billing.");
    return ExitCodes.DatabaseUnavailable;
}
