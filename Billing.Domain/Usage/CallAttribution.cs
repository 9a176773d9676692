using Billing.Domain.Clients;

namespace Billing.Domain.Usage;

/// <summary>
/// Which client a call belongs to: the one its assistant is mapped to, else its squad's, else its phone number's.
/// The one place of that rule, for recording (<see cref="UsageRecorder"/>) and later attribution
/// (<see cref="UsageMaintenance"/>) alike.
/// </summary>
internal static class CallAttribution
{
    /// <summary>
    /// The owning client (clientId, billVapiFaults), at most one row, for SQL expressions holding the call's assistant,
    /// squad and phone number ids: parameters or an outer query's columns. It reads no terms, so no client's time zone.
    /// </summary>
    public static string OwnerSql(string assistant, string squad, string phoneNumber) => $"""
        SELECT c."clientId", c."billVapiFaults"
        FROM "ClientAssistant" a JOIN "Client" c ON c."clientId" = a."clientId"
        WHERE (a."kind" = 'assistant' AND a."vapiId" = {assistant})
           OR (a."kind" = 'squad' AND a."vapiId" = {squad})
           OR (a."kind" = 'phone_number' AND a."vapiId" = {phoneNumber})
        ORDER BY CASE a."kind" WHEN 'assistant' THEN 0 WHEN 'squad' THEN 1 ELSE 2 END
        LIMIT 1
        """;

    /// <summary>
    /// The owning client and its terms in force at the call's start (clientId, minuteRounding, costPerMinut,
    /// billVapiFaults), at most one row. The owner is chosen first, so only its terms (and its zone) are read: another
    /// client mapped to the call's squad or phone number cannot fail it (docs/decisions/0021).
    /// </summary>
    public static string TermsSql(string assistant, string squad, string phoneNumber, string occurredAt) => $"""
        SELECT o."clientId", t."minuteRounding", t."costPerMinut", o."billVapiFaults"
        FROM ({OwnerSql(assistant, squad, phoneNumber)}) o
        CROSS JOIN LATERAL ({TermsHistory.InForceSql("o.\"clientId\"", occurredAt)}) t
        """;
}
