using Xunit;

namespace Architecture.Tests;

/// <summary>The layer rules of the design card, checked on project references.</summary>
public class LayoutTests
{
    [Fact]
    public void Cib_Domain_depends_on_no_other_project() =>
        Assert.DoesNotContain(typeof(Cib.Domain.ICibEvent).Assembly.GetReferencedAssemblies(),
            a => a.Name is "Cib.Projections" or "NodeRuntime" or "Audit.Api" or "hactl" or "ha-node");

    [Fact]
    public void Cib_Projections_depends_on_no_host()
    {
        var refs = typeof(Cib.Projections.Store.CibStore).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains("Cib.Domain", refs);
        Assert.DoesNotContain(refs, n => n is "ha-node" or "Audit.Api" or "hactl" || n!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_source_project_has_a_test_project()
    {
        var root = TestSupport.Repo.Root;
        foreach (var project in Directory.GetDirectories(Path.Combine(root, "src")).Select(Path.GetFileName))
            Assert.True(Directory.Exists(Path.Combine(root, "tests", project + ".Tests")), $"tests/{project}.Tests is missing");
    }
}
