using System.Xml;
using System.Xml.Linq;
using Cib.Domain.Primitives;

namespace NodeRuntime.Agents;

/// <summary>One instance parameter an agent declares in its meta-data.</summary>
public sealed record AgentParameter(string Name, bool Required, bool Unique, string ContentType, string? Default, string? ShortDescription, string? LongDescription, bool Deprecated);

/// <summary>One action an agent declares, with its advised timeout and interval.</summary>
public sealed record AgentAction(string Name, Duration? Timeout, Duration? Interval, string? Depth, string? Role);

/// <summary>
/// An agent's meta-data (OCF <c>resource-agent</c> XML, also what fence agents print): parameters and
/// actions, for validation and for the API's forms. <see cref="Xml"/> keeps the agent's own text.
/// </summary>
public sealed record AgentMetadata(string Agent, string Name, string? Version, string? ShortDescription, string? LongDescription,
    IReadOnlyList<AgentParameter> Parameters, IReadOnlyList<AgentAction> Actions, string Xml)
{
    public AgentParameter? Parameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);

    public AgentAction? Action(string name) => Actions.FirstOrDefault(a => a.Name == name);

    /// <summary>Parses the XML an agent printed for <c>meta-data</c>; a clear error (with line and column) when it is not meta-data.</summary>
    public static AgentMetadata Parse(string agent, string xml)
    {
        XDocument doc;
        try
        {
            // Agents declare a DOCTYPE (ra-api-1.dtd) that is not on disk: ignore it, never fetch it.
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
            doc = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new AgentMetadataException($"{agent}: meta-data is not XML (line {e.LineNumber}, column {e.LinePosition}): {e.Message}");
        }
        var root = doc.Root;
        if (root is null || root.Name.LocalName != "resource-agent")
            throw new AgentMetadataException($"{agent}: meta-data has no <resource-agent> root element (found <{root?.Name.LocalName}>)");

        var parameters = root.Element("parameters")?.Elements("parameter").Select(ParseParameter).ToList() ?? [];
        var actions = root.Element("actions")?.Elements("action").Select(ParseAction).ToList() ?? [];
        return new AgentMetadata(agent, (string?)root.Attribute("name") ?? agent, (string?)root.Element("version") ?? (string?)root.Attribute("version"),
            Text(root.Element("shortdesc")), Text(root.Element("longdesc")), parameters, actions, xml);
    }

    private static AgentParameter ParseParameter(XElement p)
    {
        var content = p.Element("content");
        return new AgentParameter(
            (string?)p.Attribute("name") ?? "",
            Flag(p.Attribute("required")),
            Flag(p.Attribute("unique")),
            (string?)content?.Attribute("type") ?? "string",
            (string?)content?.Attribute("default"),
            Text(p.Element("shortdesc")),
            Text(p.Element("longdesc")),
            Flag(p.Attribute("deprecated")) || p.Element("deprecated") is not null);
    }

    private static AgentAction ParseAction(XElement a) => new(
        (string?)a.Attribute("name") ?? "",
        Duration.TryParse((string?)a.Attribute("timeout"), out var t) ? t : null,
        Duration.TryParse((string?)a.Attribute("interval"), out var i) ? i : null,
        (string?)a.Attribute("depth"),
        (string?)a.Attribute("role"));

    private static bool Flag(XAttribute? a) => a is not null && (a.Value == "1" || a.Value.Equals("true", StringComparison.OrdinalIgnoreCase));

    private static string? Text(XElement? e) => e is null ? null : string.Join(' ', e.Value.Split((char[])[' ', '\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries)) is { Length: > 0 } s ? s : null;
}

public sealed class AgentMetadataException(string message) : Exception(message);
