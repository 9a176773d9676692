using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Domain.Data;

/// <summary>
/// The one way to raw SQL besides EF Core, for the set-based statements (the cycle's insert, late usage, recording a
/// call): a statement with named parameters (<c>@client_ids</c>), each value typed, run on the context's connection
/// and transaction or on a data source. Values are always parameters, never text.
/// </summary>
public sealed class Sql
{
    private readonly string _text;
    private readonly List<NpgsqlParameter> _parameters = [];

    public Sql(string text) => _text = text;

    /// <summary>Binds <c>@name</c> to a value whose CLR type says its PostgreSQL type (arrays included).</summary>
    public Sql With<T>(string name, T value)
    {
        _parameters.Add(value is null ? new NpgsqlParameter(name, DBNull.Value) { NpgsqlDbType = NullType<T>() }
            : Nullable.GetUnderlyingType(typeof(T)) is not null ? new NpgsqlParameter(name, value)
            : new NpgsqlParameter<T>(name, value));
        return this;
    }

    /// <summary>Binds parameters built elsewhere (a report's <see cref="Reports.SqlQuery"/>), named as its text names them.</summary>
    public Sql With(IEnumerable<NpgsqlParameter> parameters)
    {
        _parameters.AddRange(parameters);
        return this;
    }

    public Task<int> ExecuteAsync(BillingDbContext db, CancellationToken ct) => RunAsync(db, c => c.ExecuteNonQueryAsync(ct));

    public Task<int> ExecuteAsync(NpgsqlDataSource dataSource, CancellationToken ct) => RunAsync(dataSource, c => c.ExecuteNonQueryAsync(ct));

    public Task<T> ScalarAsync<T>(BillingDbContext db, CancellationToken ct) => RunAsync(db, async c => (T)(await c.ExecuteScalarAsync(ct))!);

    public Task<List<T>> ListAsync<T>(BillingDbContext db, Func<NpgsqlDataReader, T> map, CancellationToken ct) =>
        RunAsync(db, c => ReadAsync(c, map, ct));

    public Task<List<T>> ListAsync<T>(NpgsqlDataSource dataSource, Func<NpgsqlDataReader, T> map, CancellationToken ct) =>
        RunAsync(dataSource, c => ReadAsync(c, map, ct));

    /// <summary>On the context's connection, inside its current transaction if it has one (the connection is opened if needed).</summary>
    private async Task<T> RunAsync<T>(BillingDbContext db, Func<NpgsqlCommand, Task<T>> run)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync();
        }
        await using var command = Command(connection);
        command.Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
        return await run(command);
    }

    private async Task<T> RunAsync<T>(NpgsqlDataSource dataSource, Func<NpgsqlCommand, Task<T>> run)
    {
        await using var command = dataSource.CreateCommand();
        command.CommandText = _text;
        command.Parameters.AddRange(_parameters.ToArray());
        return await run(command);
    }

    private NpgsqlCommand Command(NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand(_text, connection);
        command.Parameters.AddRange(_parameters.ToArray());
        return command;
    }

    private static async Task<List<T>> ReadAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    /// <summary>A null still needs its type, or PostgreSQL cannot tell <c>@n + 1</c> from text.</summary>
    private static NpgsqlDbType NullType<T>() => (Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T)) switch
    {
        var t when t == typeof(string) => NpgsqlDbType.Text,
        var t when t == typeof(long) => NpgsqlDbType.Bigint,
        var t when t == typeof(int) => NpgsqlDbType.Integer,
        var t when t == typeof(decimal) => NpgsqlDbType.Numeric,
        var t when t == typeof(bool) => NpgsqlDbType.Boolean,
        var t when t == typeof(DateTimeOffset) => NpgsqlDbType.TimestampTz,
        var t when t == typeof(DateOnly) => NpgsqlDbType.Date,
        var t when t == typeof(Guid) => NpgsqlDbType.Uuid,
        var t when t == typeof(byte[]) => NpgsqlDbType.Bytea,
        var t when t == typeof(long[]) => NpgsqlDbType.Array | NpgsqlDbType.Bigint,
        var t when t == typeof(string[]) => NpgsqlDbType.Array | NpgsqlDbType.Text,
        var t => throw new ArgumentException($"No PostgreSQL type for a null {t.Name}; add it here.", nameof(T)),
    };
}
