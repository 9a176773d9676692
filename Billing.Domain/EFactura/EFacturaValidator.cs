using System.Xml;
using System.Xml.Linq;

namespace Billing.Domain.EFactura;

/// <summary>The outcome of validating one document: every failed schema constraint and business rule.</summary>
public sealed record EFacturaValidation(IReadOnlyList<EFacturaFinding> Findings)
{
    public bool IsValid => Findings.Count == 0;
}

/// <summary>
/// Validates an e-Factura document before it is stored or exported: the OASIS UBL 2.1 schema, then the EN 16931 and
/// CIUS-RO rules (<see cref="EFacturaRules"/>). Both always run, so one answer lists everything that is wrong.
/// </summary>
public static class EFacturaValidator
{
    public static EFacturaValidation Validate(byte[] document)
    {
        var findings = new List<EFacturaFinding>(UblSchemas.Validate(document));
        XDocument parsed;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(document, writable: false),
                new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            parsed = XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return new EFacturaValidation(findings); // the schema pass already named the syntax error
        }
        findings.AddRange(EFacturaRules.Check(parsed));
        return new EFacturaValidation(findings);
    }
}
