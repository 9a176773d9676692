using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class UsageLogConfiguration : IEntityTypeConfiguration<UsageLog>
{
    public void Configure(EntityTypeBuilder<UsageLog> entity)
    {
        entity.ToTable("UsageLog", t =>
        {
            t.HasNonNegative("duration", "billableSeconds", "durationMinutes", "cost", "vapiCost");
            t.HasTextCheck<CallOutcome>("outcome", TextCase.Lower);
            t.HasTextCheck<UsageSource>("source", TextCase.Lower);
            t.HasCheckConstraint("CK_UsageLog_endedAt_after_startedAt", "\"endedAt\" IS NULL OR \"startedAt\" IS NULL OR \"endedAt\" >= \"startedAt\"");
        });
        entity.HasKey(u => u.Id);
        entity.Property(u => u.Id).IsDatabaseGeneratedId();
        entity.Property(u => u.CallId).HasColumnName("callId").HasMaxLength(100);
        entity.HasIndex(u => u.CallId).IsUnique();

        entity.Property(u => u.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.Property(u => u.VapiAssistantId).HasColumnName("vapiAssistantId").HasMaxLength(100);
        entity.Property(u => u.VapiSquadId).HasColumnName("vapiSquadId").HasMaxLength(100);
        entity.Property(u => u.VapiPhoneNumberId).HasColumnName("vapiPhoneNumberId").HasMaxLength(100);
        entity.Property(u => u.VapiCustomerId).HasColumnName("vapiCustomerId").HasMaxLength(100);

        entity.Property(u => u.StartedAt).HasColumnName("startedAt");
        entity.Property(u => u.EndedAt).HasColumnName("endedAt");
        entity.Property(u => u.VapiCreatedAt).HasColumnName("vapiCreatedAt");
        // The billing period is decided by the call's start; a call that never started falls back to when
        // Vapi created it. Generated, so raw SQL and EF agree, and indexable for the cycle.
        entity.Property(u => u.OccurredAt).HasColumnName("occurredAt")
            .HasComputedColumnSql("COALESCE(\"startedAt\", \"vapiCreatedAt\", \"endedAt\", \"createdAt\")", stored: true);

        entity.Property(u => u.DurationSeconds).HasColumnName("duration").HasPrecision(12, 3);
        entity.Property(u => u.BillableSeconds).HasColumnName("billableSeconds").HasPrecision(12, 3);
        entity.Property(u => u.DurationMinutes).HasColumnName("durationMinutes").HasPrecision(12, 4);
        entity.Property(u => u.ToolsUsed).HasColumnName("toolsUsed").HasColumnType("text[]").HasDefaultValueSql("'{}'::text[]");
        entity.Property(u => u.Cost).HasColumnName("cost").HasPrecision(14, 6);
        entity.Property(u => u.VapiCost).HasColumnName("vapiCost").HasPrecision(14, 6);

        entity.Property(u => u.EndedReason).HasColumnName("endedReason").HasMaxLength(200);
        entity.Property(u => u.Outcome).HasColumnName("outcome").HasTextValues(TextCase.Lower);
        entity.Property(u => u.Billable).HasColumnName("billable");
        entity.Property(u => u.Incomplete).HasColumnName("incomplete");
        entity.Property(u => u.Source).HasColumnName("source").HasTextValues(TextCase.Lower);
        entity.Property(u => u.BillingEpoch).HasColumnName("billingEpoch").HasDefaultValue(0L).ValueGeneratedOnAddOrUpdate();
        entity.HasAuditTimestamps(u => u.CreatedAt, u => u.UpdatedAt);

        entity.HasOne<Client>().WithMany().HasForeignKey(u => u.ClientId).HasPrincipalKey(c => c.ClientId)
            .OnDelete(DeleteBehavior.Restrict);

        // The cycle and the usage reports read a client's calls by time.
        entity.HasIndex(u => new { u.ClientId, u.OccurredAt }, "IX_UsageLog_clientId_occurredAt");
        // Keyset pages of GET /usage across all clients.
        entity.HasIndex(u => new { u.OccurredAt, u.Id }, "IX_UsageLog_occurredAt_id");
        // Late usage: a client's calls stamped after its last invoice, without rescanning its billed history.
        entity.HasIndex(u => new { u.ClientId, u.BillingEpoch, u.OccurredAt }, "IX_UsageLog_late").HasFilter("NOT \"incomplete\"");
        entity.HasIndex(u => u.OccurredAt).HasFilter("\"clientId\" IS NULL").HasDatabaseName("IX_UsageLog_unattributed");
        entity.HasIndex(u => u.CreatedAt).HasFilter("\"incomplete\"").HasDatabaseName("IX_UsageLog_incomplete");
    }
}

internal sealed class VapiCallReportConfiguration : IEntityTypeConfiguration<VapiCallReport>
{
    public void Configure(EntityTypeBuilder<VapiCallReport> entity)
    {
        // The payload is gzip already: a report under a page stays inline instead of being split into TOAST chunks
        // (three more rows and index entries per call, on the webhook's path), and the column's STORAGE EXTERNAL
        // (set in the migration) keeps PostgreSQL from trying to compress it again when it does not fit.
        entity.ToTable("VapiCallReport").HasStorageParameter("toast_tuple_target", 8160);
        entity.HasKey(r => r.CallId);
        entity.Property(r => r.CallId).HasColumnName("callId").HasMaxLength(100);
        entity.Property(r => r.PayloadGzip).HasColumnName("payloadGzip");
        entity.Property(r => r.PayloadSha256).HasColumnName("payloadSha256");
        entity.Property(r => r.PayloadBytes).HasColumnName("payloadBytes");
        entity.Property(r => r.ReceivedAt).HasColumnName("receivedAt").HasDefaultValueSql("now()");
        entity.Property(r => r.ExpiresAt).HasColumnName("expiresAt");
        entity.HasIndex(r => r.ExpiresAt);
    }
}

internal sealed class QuarantinedReportConfiguration : IEntityTypeConfiguration<QuarantinedReport>
{
    public void Configure(EntityTypeBuilder<QuarantinedReport> entity)
    {
        entity.ToTable("QuarantinedReport", t => t.HasTextCheck<UsageSource>("source", TextCase.Lower));
        entity.HasKey(r => r.Id);
        entity.Property(r => r.Id).IsDatabaseGeneratedId();
        entity.Property(r => r.PayloadGzip).HasColumnName("payloadGzip");
        entity.Property(r => r.PayloadSha256).HasColumnName("payloadSha256");
        entity.HasIndex(r => r.PayloadSha256).IsUnique();
        entity.Property(r => r.PayloadBytes).HasColumnName("payloadBytes");
        entity.Property(r => r.CallId).HasColumnName("callId").HasMaxLength(100);
        entity.HasIndex(r => r.CallId);
        entity.Property(r => r.Source).HasColumnName("source").HasTextValues(TextCase.Lower);
        entity.Property(r => r.Reason).HasColumnName("reason");
        entity.Property(r => r.ReceivedAt).HasColumnName("receivedAt").HasDefaultValueSql("now()");
        entity.Property(r => r.ReplayedAt).HasColumnName("replayedAt");
        entity.Property(r => r.ReplayOutcome).HasColumnName("replayOutcome").HasMaxLength(20);
        entity.Property(r => r.ReplayAttempts).HasColumnName("replayAttempts");
        entity.Property(r => r.LastReplayError).HasColumnName("lastReplayError");
        // The open ones, oldest first: what the list and the replay read.
        entity.HasIndex(r => r.ReceivedAt).HasFilter("\"replayedAt\" IS NULL").HasDatabaseName("IX_QuarantinedReport_open");
    }
}
