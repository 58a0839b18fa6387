using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Xunit;

namespace Architecture.Tests;

/// <summary>
/// The pure core stays pure: Cib.Domain and the policy engine (Cib.Projections/Policy) reference no store,
/// web framework or logging, and read no clock, randomness or new ids. That is what makes replay exact.
/// The crm text language and the CIB XML reader and writer (Cib.Interop) are kept as pure.
/// </summary>
public partial class PurityTests
{
    private static readonly string[] ForbiddenAssemblies = ["Marten", "Npgsql", "Microsoft.AspNetCore", "Microsoft.Extensions.Logging", "Weasel", "JasperFx"];

    /// <summary>Members whose use means reading the clock, randomness or the outside world.</summary>
    private static readonly (string Type, string Member)[] ForbiddenMembers =
    [
        ("System.DateTime", "get_Now"), ("System.DateTime", "get_UtcNow"), ("System.DateTime", "get_Today"),
        ("System.DateTimeOffset", "get_Now"), ("System.DateTimeOffset", "get_UtcNow"),
        ("System.Guid", "NewGuid"), ("System.Guid", "CreateVersion7"),
        ("System.TimeProvider", "get_System"), ("System.TimeProvider", "GetUtcNow"),
        ("System.Random", ".ctor"), ("System.Random", "get_Shared"),
        ("System.Diagnostics.Stopwatch", "StartNew"), ("System.Diagnostics.Stopwatch", "GetTimestamp"),
        ("System.Environment", "get_TickCount"), ("System.Environment", "get_TickCount64"),
        ("System.IO.File", "*"), ("System.IO.Directory", "*"), ("System.Net.Http.HttpClient", "*"),
    ];

    [Fact]
    public void Cib_Domain_references_no_store_web_or_logging_assembly()
    {
        var references = typeof(Cib.Domain.ICibEvent).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, r => ForbiddenAssemblies.Any(f => r.StartsWith(f, StringComparison.Ordinal)));
    }

    [Fact]
    public void Cib_Domain_reads_no_clock_randomness_or_files()
    {
        var used = MemberReferences(typeof(Cib.Domain.ICibEvent).Assembly.Location);
        var offending = used.Where(IsForbidden).ToList();
        Assert.True(offending.Count == 0, "Cib.Domain uses: " + string.Join(", ", offending));
    }

    [Fact]
    public void The_member_scan_sees_what_it_looks_for()
    {
        // The scan must be able to fail: this test assembly itself reads the clock below.
        _ = DateTime.UtcNow;
        var used = MemberReferences(typeof(PurityTests).Assembly.Location);
        Assert.Contains(("System.DateTime", "get_UtcNow"), used);
    }

    [Fact]
    public void Policy_sources_use_no_store_logging_clock_or_randomness()
    {
        var policy = Path.Combine(TestSupport.Repo.Root, "src", "Cib.Projections", "Policy");
        var files = Directory.Exists(policy) ? Directory.GetFiles(policy, "*.cs", SearchOption.AllDirectories) : [];
        var offending = (from f in files
                         from line in File.ReadLines(f).Select((text, i) => (text, i))
                         where ForbiddenSource().IsMatch(line.text)
                         select $"{Path.GetRelativePath(policy, f)}:{line.i + 1}: {line.text.Trim()}").ToList();
        Assert.True(offending.Count == 0, "Policy/ must stay pure:\n" + string.Join("\n", offending));
    }

    /// <summary>
    /// The crm text language and the CIB XML reader and writer moved out of Cib.Domain into Cib.Interop (issue 10's
    /// rooms) and stay as pure as they were there: text in, configuration out. Only the loader, which appends what
    /// it parsed through the store, may use one.
    /// </summary>
    [Fact]
    public void Crm_text_and_CIB_XML_sources_use_no_store_logging_clock_or_randomness()
    {
        var interop = Path.Combine(TestSupport.Repo.Root, "src", "Cib.Interop");
        string[] dirs = [Path.Combine(interop, "Crm"), Path.Combine(interop, "CibXml")];
        Assert.All(dirs, d => Assert.True(Directory.Exists(d), d));
        var offending = (from d in dirs
                         from f in Directory.GetFiles(d, "*.cs", SearchOption.AllDirectories)
                         where Path.GetFileName(f) != "ConfigurationLoader.cs"
                         from line in File.ReadLines(f).Select((text, i) => (text, i))
                         where ForbiddenSource().IsMatch(line.text)
                         select $"{Path.GetRelativePath(interop, f)}:{line.i + 1}: {line.text.Trim()}").ToList();
        Assert.True(offending.Count == 0, "Cib.Interop's Crm/ and CibXml/ must stay pure:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void The_source_scan_recognises_forbidden_uses()
    {
        Assert.Matches(ForbiddenSource(), "var t = DateTimeOffset.UtcNow;");
        Assert.Matches(ForbiddenSource(), "using Marten;");
        Assert.Matches(ForbiddenSource(), "var r = new Random(3);");
        Assert.DoesNotMatch(ForbiddenSource(), "var now = state.Now;");
    }

    [GeneratedRegex(@"\b(using\s+(Marten|Npgsql|Microsoft\.Extensions\.Logging|Microsoft\.AspNetCore)\b|DateTime(Offset)?\.(Utc)?Now|Guid\.(NewGuid|CreateVersion7)|new\s+Random\b|Random\.Shared|TimeProvider\.System|Stopwatch|ILogger\b|File\.|Directory\.|Environment\.)")]
    private static partial Regex ForbiddenSource();

    private static bool IsForbidden((string Type, string Member) m) =>
        ForbiddenMembers.Any(f => f.Type == m.Type && (f.Member == "*" || f.Member == m.Member));

    /// <summary>Every (declaring type, member name) the assembly's code refers to outside itself.</summary>
    private static HashSet<(string Type, string Member)> MemberReferences(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var md = pe.GetMetadataReader();
        var result = new HashSet<(string, string)>();
        foreach (var handle in md.MemberReferences)
        {
            var reference = md.GetMemberReference(handle);
            var type = reference.Parent.Kind switch
            {
                HandleKind.TypeReference => TypeName(md, (TypeReferenceHandle)reference.Parent),
                HandleKind.TypeSpecification => "(generic)",
                _ => null,
            };
            if (type is not null) result.Add((type, md.GetString(reference.Name)));
        }
        return result;
    }

    private static string TypeName(MetadataReader md, TypeReferenceHandle h)
    {
        var t = md.GetTypeReference(h);
        var ns = md.GetString(t.Namespace);
        return ns.Length == 0 ? md.GetString(t.Name) : $"{ns}.{md.GetString(t.Name)}";
    }
}
