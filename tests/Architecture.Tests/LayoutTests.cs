using System.Reflection;
using System.Xml.Linq;
using Xunit;

namespace Architecture.Tests;

/// <summary>
/// The layer rules of the design card and the rooms of issue 10, checked on compiled assembly references,
/// on the projects' ProjectReference items and on namespaces. The rooms, bottom up:
/// Cib.Domain (the pure core) ← Cib.Projections (the store, read models, the policy engine)
/// ← Cib.Interop (Pacemaker's formats: crm text, CIB XML, conformance) ← the hosts (hactl, ha-node, Audit.Api).
/// </summary>
public class LayoutTests
{
    private static readonly Assembly Domain = typeof(Cib.Domain.ICibEvent).Assembly;
    private static readonly Assembly Projections = typeof(Cib.Projections.Store.CibStore).Assembly;
    private static readonly Assembly Interop = typeof(Cib.Interop.Crm.CrmParser).Assembly;

    /// <summary>The hosts' assembly names (HaCtl is <c>hactl</c>, NodeRuntime is <c>ha-node</c>) and project names.</summary>
    private static readonly string[] Hosts = ["hactl", "HaCtl", "ha-node", "NodeRuntime", "Audit.Api"];

    /// <summary>Namespace segments and type-name prefixes that mean Pacemaker's formats: they belong in Cib.Interop.</summary>
    private static readonly string[] InteropSegments = ["Language", "Import", "Conformance", "CibXml", "Crm"];
    private static readonly string[] InteropTypePrefixes = ["Crm", "CibXml", "Fuzz", "Conformance"];

    [Fact]
    public void Cib_Domain_depends_on_no_other_project()
    {
        var projects = SourceProjects().SelectMany(p => new[] { p.Project, p.Assembly }).ToHashSet();
        Assert.Contains("Cib.Interop", projects);
        Assert.DoesNotContain(Domain.GetReferencedAssemblies(), a => projects.Contains(a.Name!));
        Assert.Empty(ProjectReferences("Cib.Domain"));
    }

    [Fact]
    public void Cib_Projections_depends_on_no_host_and_not_on_interop()
    {
        var refs = Names(Projections);
        Assert.Contains("Cib.Domain", refs);
        Assert.DoesNotContain(refs, n => n is "Cib.Interop" || Hosts.Contains(n) || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Equal(new[] { "Cib.Domain" }, ProjectReferences("Cib.Projections"));
    }

    [Fact]
    public void Cib_Projections_carries_no_fuzz_generator()
    {
        // CsCheck generates the clusters the conformance fuzz sends to crm_simulate: it lives in the interop room.
        Assert.DoesNotContain("CsCheck", Names(Projections));
        Assert.DoesNotContain("CsCheck", PackageReferences("Cib.Projections"));
    }

    [Fact]
    public void Cib_Interop_sits_above_the_store_and_below_the_hosts()
    {
        var refs = Names(Interop);
        Assert.Contains("Cib.Domain", refs);
        Assert.Contains("Cib.Projections", refs);
        Assert.DoesNotContain(refs, n => Hosts.Contains(n) || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(ProjectReferences("Cib.Interop"), p => Hosts.Contains(p));
    }

    [Fact]
    public void The_node_runtime_stays_out_of_the_interop_room()
    {
        // ha-node loads no crm text and reads no CIB XML: it keeps its memory for agents and sockets.
        Assert.DoesNotContain("Cib.Interop", ProjectReferences("NodeRuntime"));
        Assert.DoesNotContain("Cib.Interop", Names(Assembly.Load("ha-node")));
    }

    [Fact]
    public void No_type_of_the_core_or_the_store_is_about_Pacemakers_formats()
    {
        var offending = (from assembly in new[] { Domain, Projections }
                         from type in assembly.GetTypes()
                         where IsAboutPacemakersFormats(type)
                         select $"{assembly.GetName().Name}: {type.FullName}").ToList();
        Assert.True(offending.Count == 0, "crm text, CIB XML and conformance belong in Cib.Interop:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void Every_type_of_the_interop_room_is_in_one_of_its_three_parts()
    {
        string[] parts = ["Cib.Interop.Crm", "Cib.Interop.CibXml", "Cib.Interop.Conformance"];
        var offending = Interop.GetTypes()
            .Where(t => t.Namespace is { } ns && ns.StartsWith("Cib.", StringComparison.Ordinal))
            .Where(t => !parts.Any(p => t.Namespace == p || t.Namespace!.StartsWith(p + ".", StringComparison.Ordinal)))
            .Select(t => t.FullName).ToList();
        Assert.True(offending.Count == 0, "Cib.Interop holds Crm/, CibXml/ and Conformance/ only:\n" + string.Join("\n", offending));
        Assert.Contains(Interop.GetTypes(), t => t.Namespace == "Cib.Interop.Crm");
        Assert.Contains(Interop.GetTypes(), t => t.Namespace == "Cib.Interop.CibXml");
        Assert.Contains(Interop.GetTypes(), t => t.Namespace == "Cib.Interop.Conformance");
    }

    /// <summary>The rooms inside each project, by namespace: what the project holds, and nothing else.</summary>
    public static TheoryData<string, string[]> Rooms => new()
    {
        { "Cib.Domain", ["Cib.Domain", "Cib.Domain.Configuration", "Cib.Domain.Constraints", "Cib.Domain.Controller", "Cib.Domain.Fencing",
            "Cib.Domain.Nodes", "Cib.Domain.Operations", "Cib.Domain.Primitives", "Cib.Domain.Resources", "Cib.Domain.Transitions", "Cib.Domain.Users"] },
        // The store and its append pipeline, the stored read models, the policy engine and the planning around it, and the
        // simulated cluster that writes the product's log through them (the store benchmark, the read models' golden tests).
        { "Cib.Projections", ["Cib.Projections.Store", "Cib.Projections.ReadModels", "Cib.Projections.Policy", "Cib.Projections.Planning",
            "Cib.Projections.Simulation"] },
        // The node runtime hosts the controller's process shell (election, feed, leases) beside the agents and fencing.
        { "ha-node", ["NodeRuntime", "NodeRuntime.Agents", "NodeRuntime.Controller", "NodeRuntime.Dispatch", "NodeRuntime.Execution",
            "NodeRuntime.Fencing", "NodeRuntime.Membership"] },
    };

    [Theory]
    [MemberData(nameof(Rooms))]
    public void Every_type_of_a_project_is_in_one_of_its_rooms(string assembly, string[] rooms)
    {
        var offending = OutsideRooms(Assembly.Load(assembly), rooms);
        Assert.True(offending.Count == 0, $"{assembly} holds {string.Join(", ", rooms)} only:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void The_controller_shell_is_hosted_by_the_node_runtime_and_its_rules_are_in_the_core()
    {
        var node = Assembly.Load("ha-node");
        Assert.Contains(node.GetTypes(), t => t is { Namespace: "NodeRuntime.Controller", Name: "ClusterController" });
        Assert.Contains(Domain.GetTypes(), t => t is { Namespace: "Cib.Domain.Controller", Name: "ControllerDecider" });
        // Nothing below the node runtime takes the role: no election, no controller loop in the store or the core.
        Assert.DoesNotContain(Projections.GetTypes().Concat(Domain.GetTypes()), t => t.Name is "ClusterController" or "ControllerElection" or "NodeLease");
    }

    [Fact]
    public void The_policy_engine_sees_nothing_of_the_store_the_read_models_or_the_planning_around_it()
    {
        var policy = Path.Combine(TestSupport.Repo.Root, "src", "Cib.Projections", "Policy");
        var offending = (from f in Directory.GetFiles(policy, "*.cs", SearchOption.AllDirectories)
                         from line in File.ReadLines(f)
                         where UsesOuterRoom(line)
                         select $"{Path.GetRelativePath(policy, f)}: {line.Trim()}").ToList();
        Assert.True(offending.Count == 0, "Policy/ is the engine: its input is its own ClusterState\n" + string.Join("\n", offending));
    }

    private static bool UsesOuterRoom(string line) =>
        line.TrimStart().StartsWith("using Cib.Projections.", StringComparison.Ordinal) && !line.Contains("Cib.Projections.Policy", StringComparison.Ordinal)
        || line.Contains("Cib.Projections.Store.", StringComparison.Ordinal) || line.Contains("Cib.Projections.ReadModels.", StringComparison.Ordinal)
        || line.Contains("Cib.Projections.Planning.", StringComparison.Ordinal);

    private static List<string> OutsideRooms(Assembly assembly, string[] rooms) =>
        assembly.GetTypes()
            .Where(t => t.Namespace is { } ns && !ns.StartsWith("Microsoft", StringComparison.Ordinal) && !ns.StartsWith("System", StringComparison.Ordinal))
            .Where(t => !InRoom(t.Namespace!, rooms))
            .Select(t => t.FullName!).ToList();

    /// <summary>In a room, or below it; a room that other rooms sit below (a project's root namespace) holds only its own level.</summary>
    private static bool InRoom(string ns, string[] rooms) =>
        rooms.Any(r => ns == r || ns.StartsWith(r + ".", StringComparison.Ordinal) && !rooms.Any(o => o != r && o.StartsWith(r + ".", StringComparison.Ordinal)));

    [Fact]
    public void The_room_checks_recognise_what_they_look_for()
    {
        // The checks must be able to fail: the old homes of the parser, the importer and the runner are caught...
        Assert.True(IsAboutPacemakersFormats("Cib.Domain.Configuration.Language", "CrmParser"));
        Assert.True(IsAboutPacemakersFormats("Cib.Projections.Import", "CibXmlImporter"));
        Assert.True(IsAboutPacemakersFormats("Cib.Projections.Conformance", "ConformanceRunner"));
        Assert.True(IsAboutPacemakersFormats("Cib.Projections.Store", "ConfigurationLoader") is false);
        Assert.True(IsAboutPacemakersFormats("Cib.Domain.Configuration", "CrmParser"));
        // ... and every type of the interop room would be, were it in the core or the store.
        Assert.All(Interop.GetTypes().Where(t => t.Namespace?.StartsWith("Cib.Interop.", StringComparison.Ordinal) == true), t => Assert.True(IsAboutPacemakersFormats(t), t.FullName));
        // The room scans see strays: a controller loop in the store, the store in the engine, a new top-level namespace.
        Assert.NotEmpty(OutsideRooms(Projections, ["Cib.Projections.Store"]));
        Assert.True(UsesOuterRoom("using Cib.Projections.ReadModels.ClusterStatus;"));
        Assert.True(UsesOuterRoom("var s = new Cib.Projections.Store.CibEventLog(db);"));
        Assert.False(UsesOuterRoom("using Cib.Projections.Policy.Ranking;"));
        Assert.NotEmpty(OutsideRooms(Domain, ["Cib.Domain", "Cib.Domain.Configuration"]));
        // The reference scans see references: the interop room's CsCheck, hactl's Cib.Interop.
        Assert.Contains("CsCheck", Names(Interop));
        Assert.Contains("Cib.Interop", ProjectReferences("HaCtl"));
    }

    private static bool IsAboutPacemakersFormats(Type type) =>
        IsAboutPacemakersFormats(type.Namespace, (type.DeclaringType ?? type).Name);

    private static bool IsAboutPacemakersFormats(string? ns, string typeName) =>
        (ns ?? "").Split('.').Any(s => InteropSegments.Contains(s))
        || (ns?.StartsWith("Cib.", StringComparison.Ordinal) == true
            && InteropTypePrefixes.Any(p => typeName.StartsWith(p, StringComparison.Ordinal) && typeName.Length > p.Length && char.IsUpper(typeName[p.Length])));

    private static List<string> Names(Assembly assembly) => assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

    /// <summary>Each src/NAME/NAME.csproj: its project name and its assembly name.</summary>
    private static IEnumerable<(string Project, string Assembly)> SourceProjects() =>
        from dir in Directory.GetDirectories(Path.Combine(TestSupport.Repo.Root, "src"))
        let name = Path.GetFileName(dir)
        let csproj = Path.Combine(dir, name + ".csproj")
        where File.Exists(csproj)
        select (name, XDocument.Load(csproj).Descendants("AssemblyName").FirstOrDefault()?.Value ?? name);

    private static List<string> ProjectReferences(string project) =>
        Items(project, "ProjectReference").Select(i => Path.GetFileNameWithoutExtension(i.Replace('\\', '/'))).ToList();

    private static List<string> PackageReferences(string project) => Items(project, "PackageReference");

    private static List<string> Items(string project, string item)
    {
        var csproj = Path.Combine(TestSupport.Repo.Root, "src", project, project + ".csproj");
        Assert.True(File.Exists(csproj), csproj);
        return XDocument.Load(csproj).Descendants(item).Select(e => (string?)e.Attribute("Include")).OfType<string>().ToList();
    }

    [Fact]
    public void Every_source_project_has_a_test_project()
    {
        var root = TestSupport.Repo.Root;
        foreach (var project in Directory.GetDirectories(Path.Combine(root, "src")).Select(Path.GetFileName))
            Assert.True(Directory.Exists(Path.Combine(root, "tests", project + ".Tests")), $"tests/{project}.Tests is missing");
    }
}
