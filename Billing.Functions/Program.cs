using Billing.Domain;
using Billing.Functions;
using Billing.Functions.Infrastructure;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<Billing.Functions.Infrastructure.UnhandledExceptionMiddleware>();

builder.Services.AddBilling(builder.Configuration);
builder.Services.AddBillingFunctions(builder.Configuration);
builder.Services.AddBillingTelemetry(builder.Configuration);

builder.Build().Run();
