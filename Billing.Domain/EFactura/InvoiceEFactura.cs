using System.Text.Json;

namespace Billing.Domain.EFactura;

/// <summary>
/// An invoice's e-Factura document as generated once ("InvoiceEFactura"): the UBL bytes with their SHA-256 when they
/// passed validation (never changed afterwards: a trigger refuses it), or no bytes and every failed rule when they did
/// not (the invoice then lists <c>eFactura:&lt;rule&gt;</c> in its missing fields).
/// </summary>
public sealed class InvoiceEFactura
{
    public Guid InvoiceId { get; set; }
    public byte[]? Content { get; set; }
    /// <summary>Hex SHA-256 of <see cref="Content"/>, the download's ETag.</summary>
    public string? Sha256 { get; set; }
    /// <summary>The failed rules as JSON (<see cref="EFacturaFinding"/>[]); <c>[]</c> when the document is stored.</summary>
    public string FindingsJson { get; set; } = "[]";
    public DateTimeOffset GeneratedAt { get; set; }

    public IReadOnlyList<EFacturaFinding> Findings => EFacturaFindings.Parse(FindingsJson);
}

public static class EFacturaFindings
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string ToJson(IReadOnlyList<EFacturaFinding> findings) => JsonSerializer.Serialize(findings, Json);

    public static IReadOnlyList<EFacturaFinding> Parse(string json) => JsonSerializer.Deserialize<EFacturaFinding[]>(json, Json) ?? [];

    /// <summary>How a failed rule shows in an invoice's <c>missingFields</c>: <c>eFactura:BR-CO-10</c>.</summary>
    public const string MissingPrefix = "eFactura:";
}
