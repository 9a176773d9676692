using System.CommandLine;
using System.Globalization;
using Billing.Domain.Common;
using Billing.Domain.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing outbox run|list|retry</c>: what the every-minute timer delivers, by hand.</summary>
internal static class OutboxCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };

        var run = new Command("run", "Deliver every due outbox message now (what the OutboxDelivery timer does).") { json };
        run.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var summary = await services.GetRequiredService<OutboxDispatcher>().RunAsync(ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, summary);
            }
            else
            {
                WriteSummary(environment.Out, summary);
            }
            return summary.DeadLettered == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }));

        var status = new Option<string?>("--status") { Description = "pending, sent or dead." };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first (default 100).", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "List outbox messages, newest first.") { status, limit, json };
        list.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            OutboxStatus? wanted = parse.GetValue(status) is { } s
                ? TextEnum.TryParse<OutboxStatus>(s, out var parsed) ? parsed : throw new ArgumentException($"--status must be pending, sent or dead, not '{s}'.")
                : null;
            var count = parse.GetValue(limit);
            if (count is < 1 or > OutboxQueries.MaxLimit)
            {
                throw new ArgumentException($"--limit must be 1 to {OutboxQueries.MaxLimit}.");
            }
            var page = await services.GetRequiredService<OutboxQueries>().ListAsync(wanted, count, null, ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, page.Items.Select(m => new
                {
                    m.Id,
                    m.Kind,
                    m.Key,
                    Status = TextEnum.ToText(m.Status, TextCase.Lower),
                    m.Attempts,
                    m.CreatedAt,
                    m.NextAttemptAt,
                    m.SentAt,
                    m.DeadAt,
                    m.LastError,
                }));
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["id", "kind", "key", "status", "attempts", "created", "next attempt", "last error"],
                page.Items.Select(m => (IReadOnlyList<string>)[m.Id.ToString(), m.Kind, m.Key, TextEnum.ToText(m.Status, TextCase.Lower),
                    m.Attempts.ToString(CultureInfo.InvariantCulture), Instant(m.CreatedAt),
                    m.Status == OutboxStatus.Pending ? Instant(m.NextAttemptAt) : "", m.LastError ?? ""]));
            return ExitCodes.Success;
        }));

        var id = new Argument<Guid>("id") { Description = "The dead message's id (from 'billing outbox list --status dead')." };
        var retry = new Command("retry", "Send a dead-lettered message again, with a fresh set of attempts.") { id };
        retry.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var messageId = parse.GetValue(id);
            var outcome = await services.GetRequiredService<OutboxQueries>().RetryAsync(messageId, ct);
            switch (outcome)
            {
                case OutboxQueries.RetryOutcome.Retried:
                    environment.Out.WriteLine($"Message {messageId} is pending again; the next outbox run delivers it ('billing outbox run' for now).");
                    return ExitCodes.Success;
                case OutboxQueries.RetryOutcome.NotDead:
                    throw new CliException($"Message {messageId} is not dead-lettered: only dead messages are retried.");
                default:
                    throw new CliException($"No outbox message {messageId}.");
            }
        }));

        return new Command("outbox", "Messages leaving the system (invoice e-mails), delivered at least once.") { run, list, retry };
    }

    public static void WriteSummary(TextWriter o, OutboxRunSummary summary)
    {
        o.WriteLine($"Outbox: {summary.Delivered} delivered, {summary.Retrying} to retry later, {summary.DeadLettered} dead-lettered " +
                    $"({summary.Duration.TotalSeconds:0.0} s).");
        foreach (var (kind, reason) in summary.DisabledKinds)
        {
            o.WriteLine($"Outbox: {kind} messages wait: {reason}.");
        }
    }

    private static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
