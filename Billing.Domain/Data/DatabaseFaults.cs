using System.Net.Sockets;
using Npgsql;

namespace Billing.Domain.Data;

/// <summary>
/// The one classification of database errors that the webhook, the API middleware, the health check and the CLI share:
/// is this the database (or the way to it) being unavailable for a while, so the caller should retry later (503 +
/// Retry-After, CLI exit code 3), or something else (bad data, a bug) that a retry would not fix?
/// </summary>
public static class DatabaseFaults
{
    /// <summary>The SQLSTATEs that mean "not now" rather than "not this": the server shutting down or restarting, out of
    /// connections, read-only (a failover or a full disk), and lock or statement time-outs.</summary>
    private static readonly HashSet<string> Unavailable =
    [
        PostgresErrorCodes.AdminShutdown,           // 57P01: terminated by an administrator (pg_terminate_backend, fast shutdown)
        PostgresErrorCodes.CrashShutdown,           // 57P02: another backend crashed, the server restarts
        PostgresErrorCodes.CannotConnectNow,        // 57P03: starting up or shutting down
        PostgresErrorCodes.TooManyConnections,      // 53300
        PostgresErrorCodes.ReadOnlySqlTransaction,  // 25006: a standby, or default_transaction_read_only
        PostgresErrorCodes.LockNotAvailable,        // 55P03: lock_timeout
        PostgresErrorCodes.QueryCanceled,           // 57014: statement_timeout (our own cancellation is excluded below)
        PostgresErrorCodes.SerializationFailure,    // 40001, 40P01: retried where the work is retryable; otherwise "try again"
        PostgresErrorCodes.DeadlockDetected,
        PostgresErrorCodes.DiskFull,                // 53100
        PostgresErrorCodes.OutOfMemory,             // 53200
    ];

    /// <summary>
    /// True when <paramref name="exception"/> (or one it wraps, e.g. EF Core's DbUpdateException) says the database was
    /// unreachable or refused work for a while. A cancellation of our own (<paramref name="ct"/>, e.g. the caller went
    /// away) is not a database fault, even when PostgreSQL reports it as 57014.
    /// </summary>
    public static bool IsUnavailable(Exception exception, CancellationToken ct = default)
    {
        if (ct.IsCancellationRequested)
        {
            return false;
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p:
                    return IsUnavailable(p.SqlState);
                case NpgsqlException n when n.IsTransient || n.InnerException is SocketException or IOException or TimeoutException:
                    // Connection refused or reset, a pooled connection the server closed while it restarted (its first use
                    // fails reading the stream), an exhausted pool or a command time-out.
                    return true;
                case TimeoutException or SocketException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>Unavailable SQLSTATEs: the listed ones and class 08 (connection exception).</summary>
    public static bool IsUnavailable(string sqlState) => sqlState.StartsWith("08", StringComparison.Ordinal) || Unavailable.Contains(sqlState);

    /// <summary>Serialization failures and deadlocks: a transaction that can simply be run again.</summary>
    public static bool IsRetryableConflict(Exception exception) => exception is PostgresException
    {
        SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
    } || exception.InnerException is { } inner && IsRetryableConflict(inner);

    /// <summary>The seconds a caller should wait before retrying (the Retry-After of a 503).</summary>
    public static int RetryAfterSeconds(Exception exception) => exception switch
    {
        _ when Find(exception)?.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.QueryCanceled
            or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.TooManyConnections => 5,
        _ => 30,
    };

    private static PostgresException? Find(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException p)
            {
                return p;
            }
        }
        return null;
    }
}
