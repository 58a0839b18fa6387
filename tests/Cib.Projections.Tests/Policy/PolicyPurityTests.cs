using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Policy;

/// <summary>The policy engine is pure: nothing under Policy/ reads a clock, randomness, the file system, a database or logs.</summary>
public class PolicyPurityTests
{
    private static readonly string[] Forbidden =
    [
        "DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.Now", "DateTimeOffset.UtcNow", "TimeProvider", "Stopwatch",
        "new Random", "Random.Shared", "Guid.NewGuid", "System.IO", "File.", "Directory.", "Marten", "Npgsql", "ILogger", "Console.",
        "Environment.",
    ];

    [Fact]
    public void Policy_sources_use_no_clock_randomness_or_io()
    {
        var dir = Path.Combine(Repo.Root, "src", "Cib.Projections", "Policy");
        var offences = Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(dir, f), Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && !l.Text.TrimStart().StartsWith("///", StringComparison.Ordinal))
            .SelectMany(l => Forbidden.Where(l.Text.Contains).Select(f => $"{l.File}:{l.Line}: {f}"))
            .ToList();

        Assert.True(Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories).Length > 10);
        Assert.Empty(offences);
    }
}
