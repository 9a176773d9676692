using System.CommandLine;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

internal static class DatabaseCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var up = new Command("up", "Start the local PostgreSQL cluster (creating it on first use) and print its connection string.");
        up.SetAction(async (_, ct) =>
        {
            environment.Out.WriteLine(await LocalServers.DatabaseAsync(ct));
            return ExitCodes.Success;
        });

        var migrate = new Command("migrate", "Apply pending migrations to the configured database (or the local cluster).");
        migrate.SetAction(async (_, ct) =>
        {
            await using var services = await CliServices.BuildAsync(environment, ct);
            var applied = await MigrateAsync(services, ct);
            environment.Out.WriteLine(applied.Count == 0 ? "The database is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
            return ExitCodes.Success;
        });

        var script = new Command("script", "Print an idempotent SQL script of all migrations, for deploying with psql.");
        script.SetAction(async (_, ct) =>
        {
            var options = new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql("Host=unused").Options;
            await using var db = new BillingDbContext(options);
            environment.Out.Write(db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent));
            return ExitCodes.Success;
        });

        return new Command("db", "The billing database.") { up, migrate, script };
    }

    public static async Task<IReadOnlyList<string>> MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BillingDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        return pending;
    }
}
