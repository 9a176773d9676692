using System.Xml;
using System.Xml.Schema;

namespace Billing.Domain.EFactura;

/// <summary>
/// The OASIS UBL 2.1 schemas (Invoice and CreditNote with their common modules), embedded in this assembly and
/// compiled once. Every document we store or export is validated against them first.
/// </summary>
public static class UblSchemas
{
    public const string InvoiceNamespace = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
    public const string CreditNoteNamespace = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
    private const string ResourcePrefix = "UBL-2.1/xsd/";
    private static readonly Uri Root = new("ubl-schemas://oasis/xsd/");

    private static readonly Lazy<XmlSchemaSet> Compiled = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The compiled set; read-only once built, so validations may share it across threads.</summary>
    public static XmlSchemaSet Set => Compiled.Value;

    /// <summary>The embedded schema files by their path under <c>xsd/</c> (e.g. <c>common/UBL-CommonBasicComponents-2.1.xsd</c>).</summary>
    public static IReadOnlyList<string> Files { get; } = typeof(UblSchemas).Assembly.GetManifestResourceNames()
        .Select(n => n.Replace('\\', '/'))
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static Stream Open(string file) =>
        typeof(UblSchemas).Assembly.GetManifestResourceStream(ResourcePrefix + file)
        ?? typeof(UblSchemas).Assembly.GetManifestResourceStream(ResourcePrefix + file.Replace('/', '\\'))
        ?? throw new FileNotFoundException($"UBL schema {file} is not embedded in {typeof(UblSchemas).Assembly.GetName().Name}.");

    /// <summary>Schema errors of a document, each with its line and position; empty when it is valid.</summary>
    public static IReadOnlyList<EFacturaFinding> Validate(byte[] document)
    {
        var findings = new List<EFacturaFinding>();
        var settings = new XmlReaderSettings
        {
            ValidationType = ValidationType.Schema,
            Schemas = Set,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            ValidationFlags = XmlSchemaValidationFlags.ReportValidationWarnings,
        };
        settings.ValidationEventHandler += (_, e) => findings.Add(new EFacturaFinding(
            "UBL-XSD", $"{e.Message} (line {e.Exception.LineNumber}, position {e.Exception.LinePosition})"));
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(document, writable: false), settings);
            var root = true;
            while (reader.Read())
            {
                if (root && reader.NodeType == XmlNodeType.Element)
                {
                    root = false;
                    if (reader.NamespaceURI is not (InvoiceNamespace or CreditNoteNamespace))
                        findings.Add(new EFacturaFinding("UBL-XSD", $"The root element {{{reader.NamespaceURI}}}{reader.LocalName} is neither a UBL 2.1 Invoice nor a CreditNote."));
                }
            }
        }
        catch (XmlException e)
        {
            findings.Add(new EFacturaFinding("UBL-XSD", $"Not well-formed XML: {e.Message}"));
        }
        return findings;
    }

    private static XmlSchemaSet Compile()
    {
        var resolver = new EmbeddedResolver();
        var set = new XmlSchemaSet { XmlResolver = resolver };
        foreach (var main in new[] { "maindoc/UBL-Invoice-2.1.xsd", "maindoc/UBL-CreditNote-2.1.xsd" })
        {
            var uri = new Uri(Root, main);
            using var reader = XmlReader.Create(Open(main), ReaderSettings(resolver), uri.AbsoluteUri);
            set.Add(null, reader);
        }
        set.Compile();
        return set;
    }

    // xmldsig's schema declares entities in an internal DTD subset; nothing is fetched from outside.
    private static XmlReaderSettings ReaderSettings(XmlResolver resolver) =>
        new() { DtdProcessing = DtdProcessing.Parse, XmlResolver = resolver, MaxCharactersFromEntities = 1024 };

    private sealed class EmbeddedResolver : XmlResolver
    {
        public override object? GetEntity(Uri absoluteUri, string? role, Type? ofObjectToReturn)
        {
            if (absoluteUri.Scheme != Root.Scheme || absoluteUri.Host != Root.Host)
                throw new XmlException($"Refusing to load {absoluteUri}: UBL schemas resolve only to the embedded copies.");
            var path = Uri.UnescapeDataString(absoluteUri.AbsolutePath).TrimStart('/');
            return Open(path["xsd/".Length..]);
        }

        public override Uri ResolveUri(Uri? baseUri, string? relativeUri) =>
            new(baseUri ?? Root, relativeUri ?? string.Empty);
    }
}

/// <summary>One failed rule: its identifier (schematron id or <c>UBL-XSD</c>), what is wrong and where.</summary>
public sealed record EFacturaFinding(string Rule, string Message, string? Path = null);
