using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Billing.Domain.Data;

/// <summary>For <c>dotnet ef</c>: migrations are made from the model alone; a database is needed only to apply them.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<BillingDbContext>
{
    public BillingDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Billing")
            ?? "Host=127.0.0.1;Database=billing;Username=billing";
        var options = new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(connectionString).Options;
        return new BillingDbContext(options);
    }
}
