using System.CommandLine;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary>The README's first command: a fresh machine to a working billing database in one step.</summary>
internal static class DemoCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var demo = new Command("demo", "Start the local database, migrate it and show what it holds.");
        demo.SetAction(async (_, ct) =>
        {
            await using var services = await CliServices.BuildAsync(environment, ct);
            var applied = await DatabaseCommands.MigrateAsync(services, ct);
            environment.Out.WriteLine(applied.Count == 0 ? "Database up to date." : $"Applied migrations: {string.Join(", ", applied)}");

            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BillingDbContext>();
            environment.Out.WriteLine($"Clients: {await db.Clients.CountAsync(ct)}, calls: {await db.UsageLogs.CountAsync(ct)}, " +
                              $"invoices: {await db.Invoices.CountAsync(ct)}, payments: {await db.Payments.CountAsync(ct)}");
            return ExitCodes.Success;
        });
        return demo;
    }
}
