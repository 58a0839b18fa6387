using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Policy;

namespace Cib.Interop.CibXml;

/// <summary>
/// Reads a Pacemaker CIB (<c>cibadmin --query</c> output) into the domain's configuration and the policy
/// engine's cluster state. Pure: text in, result out. Out-of-scope features are listed in the result.
/// </summary>
public sealed partial class CibXmlImporter
{
    private readonly List<ImportIssue> _unsupported = [];
    private readonly Dictionary<string, string> _nodeNamesById = new(StringComparer.Ordinal);
    private readonly List<string> _resourceOrder = [];

    /// <param name="xml">The CIB text.</param>
    /// <param name="nowWhenAbsent">"Now" (epoch seconds) when the CIB carries no execution-date; the caller's clock, as
    /// crm_simulate uses the current time then. The importer itself reads no clock.</param>
    public static CibImport Import(string xml, long nowWhenAbsent = 0)
    {
        XDocument doc;
        try
        {
            if (TooDeep(xml) is { } deep) return Failed(deep);
            using var reader = XmlReader.Create(new StringReader(xml), ReaderSettings);
            doc = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            // A CIB has no DOCTYPE: one is refused before anything in it is read, so entities are never expanded (a
            // "billion laughs") nor fetched (an external entity naming a file or a URL).
            var doctype = xml.IndexOf("<!DOCTYPE", StringComparison.Ordinal);
            if (e.Message.Contains("DTD", StringComparison.Ordinal) && doctype >= 0)
            {
                var (at, column) = PositionOf(xml, doctype);
                return Failed(new ImportError(at, column,
                    "a DOCTYPE is not allowed in a CIB (document type definitions and entities are refused, never expanded or fetched)"));
            }
            // An error found at the end of the text (no root element, say) has no position of its own: the end is where.
            var (line, col) = e.LineNumber > 0 ? (e.LineNumber, e.LinePosition) : PositionOf(xml, xml.Length);
            return Failed(new ImportError(line, col, e.Message));
        }
        var root = doc.Root;
        if (root is null || root.Name.LocalName != "cib")
            return Failed(new ImportError(Line(root), Column(root), $"expected a <cib> element, found <{root?.Name.LocalName}>"));
        try
        {
            return new CibXmlImporter().Read(root, nowWhenAbsent);
        }
        catch (CibFormatException e)
        {
            return Failed(new ImportError(Line(e.Element), Column(e.Element), e.Message));
        }
    }

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreWhitespace = true,
    };

    /// <summary>How deep elements may nest: a CIB nests about ten levels (rules a few more).</summary>
    public const int MaxDepth = 100;

    /// <summary>
    /// The first element nested deeper than <see cref="MaxDepth"/>, as an error. Checked by a reading pass before the
    /// document is built: building an XDocument takes time growing with the square of the depth (100,000 levels, well
    /// inside a megabyte, took 40 s), the reading pass alone does not.
    /// </summary>
    private static ImportError? TooDeep(string xml)
    {
        using var reader = XmlReader.Create(new StringReader(xml), ReaderSettings);
        while (reader.Read())
            if (reader.NodeType == XmlNodeType.Element && reader.Depth >= MaxDepth)
            {
                var info = (IXmlLineInfo)reader;
                return new ImportError(info.LineNumber, info.LinePosition, $"<{reader.LocalName}> is nested more than {MaxDepth} elements deep: not a CIB");
            }
        return null;
    }

    /// <summary>The line and column of the character at <paramref name="index"/> (the text's length: just after the last), counting line breaks as XML does (CR LF, CR, LF).</summary>
    private static (int Line, int Column) PositionOf(string text, int index)
    {
        int line = 1, column = 1;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') continue;
            if (text[i] is '\r' or '\n') { line++; column = 1; }
            else column++;
        }
        return (line, column);
    }

    private static CibImport Failed(ImportError error) =>
        new(ClusterConfiguration.Empty, ClusterState.Of(ClusterConfiguration.Empty, [], 0), [], error);

    private CibImport Read(XElement cib, long nowWhenAbsent)
    {
        var configuration = cib.Element("configuration") is { } c ? ReadConfiguration(c) : ClusterConfiguration.Empty;
        foreach (var child in cib.Elements().Where(e => e.Name.LocalName is not ("configuration" or "status")))
            Unsupported(child, "unknown section");
        var now = long.TryParse(Attr(cib, "execution-date"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var date) ? date : nowWhenAbsent;
        var quorum = Attr(cib, "have-quorum") is not { } q || Flags.IsTrue(q);
        var nodes = cib.Element("status") is { } s ? ReadStatus(s, configuration) : [];
        var state = ClusterState.Of(configuration, nodes, now, quorum) with
        {
            ResourceOrder = ValueList<string>.Of(_resourceOrder),
            NoQuorumPanic = Flags.IsTrue(Attr(cib, "no-quorum-panic")),
            StatusOrder = ValueList<string>.Of(nodes.Select(n => n.Name)),
        };
        return new CibImport(configuration, state, _unsupported, null);
    }

    private void Unsupported(XElement e, string message) =>
        _unsupported.Add(new ImportIssue(e.Name.LocalName, Attr(e, "id"), Line(e), message));

    internal static string? Attr(XElement? e, string name) => e?.Attribute(name)?.Value;

    private static string Required(XElement e, string name) =>
        Attr(e, name) ?? throw new CibFormatException(e, $"<{e.Name.LocalName}> needs the attribute '{name}'");

    internal static int Line(XElement? e) => e is IXmlLineInfo li && li.HasLineInfo() ? li.LineNumber : 0;
    private static int Column(XElement? e) => e is IXmlLineInfo li && li.HasLineInfo() ? li.LinePosition : 0;

    private sealed class CibFormatException(XElement element, string message) : Exception(message)
    {
        public XElement Element { get; } = element;
    }
}
