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
            doc = XDocument.Parse(xml, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            return Failed(new ImportError(e.LineNumber, e.LinePosition, e.Message));
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
