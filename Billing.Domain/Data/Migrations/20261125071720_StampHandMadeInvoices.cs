using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class StampHandMadeInvoices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Invoices already present keep a null epoch (0: they predate the epochs, like the calls stamped 0).
            migrationBuilder.Sql(global::Billing.Domain.Data.BillingEpochs.CreateInvoiceTrigger);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(global::Billing.Domain.Data.BillingEpochs.DropInvoiceTrigger);
        }
    }
}
