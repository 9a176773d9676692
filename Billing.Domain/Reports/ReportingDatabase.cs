using Billing.Domain.Data;
using Npgsql;

namespace Billing.Domain.Reports;

/// <summary>
/// Where query and report endpoints read: the read replica named by <c>ConnectionStrings:BillingReadOnly</c> when
/// it is set, else the primary. Only SELECTs run through it; writes always use <c>BillingDbContext</c>.
/// </summary>
public class ReportingDatabase(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>Runs one parameterised SELECT and maps each row. Virtual so a test can look at each plan first.</summary>
    public virtual Task<List<T>> QueryAsync<T>(SqlQuery query, Func<NpgsqlDataReader, T> map, CancellationToken ct) =>
        query.ToSql().ListAsync(DataSource, map, ct);
}

/// <summary>
/// A SELECT assembled from fixed fragments with every value a named parameter (<c>@p1</c>, ...), run through
/// <see cref="Sql"/>, the one raw-SQL helper. Only the predicates a request uses are added, so each combination gets
/// its own plan (a catch-all <c>@p IS NULL OR ...</c> would defeat the indexes).
/// </summary>
public sealed class SqlQuery
{
    private readonly List<string> _conditions = [];

    public List<NpgsqlParameter> Parameters { get; } = [];

    public string Text { get; private set; } = "";

    /// <summary>Adds a value as a parameter and returns its placeholder.</summary>
    public string Value<T>(T value)
    {
        var name = "p" + (Parameters.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Parameters.Add(new NpgsqlParameter<T>(name, value));
        return "@" + name;
    }

    /// <summary>Adds <paramref name="condition"/> to the WHERE clause; <c>{0}</c> in it becomes the value's placeholder.</summary>
    public SqlQuery Where<T>(string condition, T value)
    {
        _conditions.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, condition, Value(value)));
        return this;
    }

    public SqlQuery Where(string condition)
    {
        _conditions.Add(condition);
        return this;
    }

    /// <summary>The WHERE clause of the conditions added so far (or nothing).</summary>
    public string WhereClause => _conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", _conditions);

    /// <summary>The statement as built, with copies of its parameters (a parameter belongs to one command at a time).</summary>
    public Sql ToSql() => new Sql(Text).With(Parameters.Select(p => p.Clone()));

    public SqlQuery Build(string text)
    {
        Text = text;
        return this;
    }
}
