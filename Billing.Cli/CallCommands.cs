using System.CommandLine;
using System.Text;
using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Domain.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing calls import|reconcile</c>: back-fill calls through the webhook's own parsing and recording.</summary>
internal static class CallCommands
{
    public sealed record ImportCounts(int Inserted, int Completed, int Unchanged, int Ignored, int Invalid);

    public static Command Create(CliEnvironment environment)
    {
        var path = new Argument<string>("path") { Description = "An NDJSON file of Vapi server messages (one per line), or a folder of .json/.ndjson files." };
        var import = new Command("import", "Import end-of-call reports; replays change nothing.") { path };
        import.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var counts = await ImportAsync(environment, services, Messages(parse.GetValue(path)!), ct);
            environment.Out.WriteLine($"Imported: {counts.Inserted} new, {counts.Completed} completed, {counts.Unchanged} unchanged, " +
                                      $"{counts.Ignored} other messages ignored, {counts.Invalid} invalid.");
            return counts.Invalid == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }));

        var from = new Option<DateTimeOffset>("--from") { Description = "Calls created at or after (ISO 8601).", Required = true };
        var to = new Option<DateTimeOffset>("--to") { Description = "Calls created before (ISO 8601).", Required = true };
        var client = new Option<string?>("--client") { Description = "Only this client's assistants, squads and phone numbers." };
        var reconcile = new Command("reconcile", "Fetch calls from Vapi's API and record the missing or incomplete ones.") { from, to, client };
        reconcile.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            if (parse.GetValue(to) <= parse.GetValue(from))
            {
                throw new ArgumentException("--to must be after --from.");
            }
            var clients = await services.GetRequiredService<ClientService>().ListAsync(ct);
            var windows = clients.Where(c => parse.GetValue(client) is null || c.ClientId == parse.GetValue(client))
                .SelectMany(c => c.Assistants)
                .Select(a => new VapiReconciliation.Window(a.Kind, a.VapiId, parse.GetValue(from), parse.GetValue(to))).ToList();
            if (windows.Count == 0)
            {
                throw new CliException("No mapped assistants, squads or phone numbers to reconcile: add an assistant with " +
                                       "'billing clients set <id> --assistant-add <assistantId>'.");
            }
            var reconciler = services.GetRequiredService<VapiReconciliation>();
            var total = new VapiReconciliation.Counts(0, 0, 0);
            using var progress = new ProgressBar(environment, "reconcile", windows.Count);
            foreach (var window in windows)
            {
                var counts = await reconciler.ReconcileAsync([window], ct);
                total = new(total.Found + counts.Found, total.Inserted + counts.Inserted, total.Completed + counts.Completed);
                progress.Advance();
            }
            environment.Out.WriteLine($"Reconciled {windows.Count} mappings: {total.Found} calls found, {total.Inserted} inserted, {total.Completed} completed.");
            return ExitCodes.Success;
        }));
        return new Command("calls", "Calls (\"UsageLog\").") { import, reconcile, QuarantineCommand(environment) };
    }

    public static async Task<ImportCounts> ImportAsync(CliEnvironment environment, IServiceProvider services,
        IReadOnlyList<(string Where, string Body)> messages, CancellationToken ct)
    {
        int inserted = 0, completed = 0, unchanged = 0, ignored = 0, invalid = 0;
        var ingestion = services.GetRequiredService<EndOfCallReportIngestion>();
        using var progress = new ProgressBar(environment, "import", messages.Count);
        foreach (var (where, body) in messages)
        {
            switch (await ingestion.IngestAsync(Encoding.UTF8.GetBytes(body), UsageSource.Import, completeFromVapiWithin: null, ct))
            {
                case EndOfCallReportIngestion.Recorded { Outcome: RecordOutcome.Inserted }: inserted++; break;
                case EndOfCallReportIngestion.Recorded { Outcome: RecordOutcome.Completed }: completed++; break;
                case EndOfCallReportIngestion.Recorded: unchanged++; break;
                case EndOfCallReportIngestion.Ignored: ignored++; break;
                case EndOfCallReportIngestion.Invalid error:
                    invalid++;
                    await environment.Error.WriteLineAsync($"{where}: {ReportQuarantine.Describe(error.Errors)}" +
                                                           (error.QuarantineId is { } id ? $" (quarantined as {id})" : ""));
                    break;
            }
            progress.Advance();
        }
        return new ImportCounts(inserted, completed, unchanged, ignored, invalid);
    }

    /// <summary><c>billing calls quarantine list|replay</c>: reports refused for a billing field, kept instead of lost.</summary>
    private static Command QuarantineCommand(CliEnvironment environment)
    {
        var all = new Option<bool>("--all") { Description = "Include reports already replayed." };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var list = new Command("list", "Quarantined reports, oldest first (open ones unless --all).") { all, json };
        list.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var entries = await services.GetRequiredService<QuarantineReplay>().ListAsync(parse.GetValue(all), 10_000, ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, entries);
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["id", "received", "source", "call", "state", "reason"], entries.Select(e => (IReadOnlyList<string>)
            [
                e.Id.ToString(), e.ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), e.Source,
                e.CallId ?? "-", e.ReplayedAt is null ? $"open ({e.ReplayAttempts} replays)" : "replayed: " + e.ReplayOutcome,
                e.LastReplayError ?? e.Reason,
            ]));
            return ExitCodes.Success;
        }));

        var id = new Option<Guid?>("--id") { Description = "Only this quarantined report (default: every open one)." };
        var replay = new Command("replay", "Replay quarantined reports through the normal path; recorded ones are closed.") { id, json };
        replay.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var results = await services.GetRequiredService<QuarantineReplay>().ReplayAsync(parse.GetValue(id), ct)
                          ?? throw new CliException($"No quarantined report '{parse.GetValue(id)}': see 'billing calls quarantine list --all'.");
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, results);
            }
            else
            {
                foreach (var r in results)
                {
                    environment.Out.WriteLine($"{r.Id} {r.CallId ?? "-"}: {r.Outcome}{(r.Error is null ? "" : " - " + r.Error)}");
                }
                environment.Out.WriteLine($"Replayed {results.Count}: {results.Count(r => r.Recorded)} recorded, {results.Count(r => !r.Recorded)} still refused.");
            }
            return results.All(r => r.Recorded) ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return new Command("quarantine", "End-of-call reports refused for a billing field (\"QuarantinedReport\").") { list, replay };
    }

    private static List<(string Where, string Body)> Messages(string path)
    {
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)).Order()
            : File.Exists(path) ? new[] { path } : throw new CliException($"'{path}' is neither a file nor a folder.");
        var messages = new List<(string, string)>();
        foreach (var file in files)
        {
            if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                messages.Add((file, File.ReadAllText(file)));
                continue;
            }
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                if (!string.IsNullOrWhiteSpace(line))
                {
                    messages.Add(($"{file}:{lineNumber}", line));
                }
            }
        }
        return messages;
    }
}
