namespace Cib.Interop.Conformance;

/// <summary>
/// Disagreements with crm_simulate kept on purpose, each documented in docs/policy-engine.md ("Kept
/// disagreements") with its reason. A generated case that matches one is reported as known, not as new.
/// </summary>
public static class FuzzKnownDisagreements
{
    public sealed record Known(string Name, Func<FuzzCluster, FuzzRunner.Comparison, bool> Applies);

    /// <summary>None today: the last one (a restart for changed parameters without its reason under
    /// no-quorum-policy=ignore) turned out to be Pacemaker's requires=nothing, which the engine now follows.</summary>
    public static IReadOnlyList<Known> All { get; } = [];

    public static string? Match(FuzzCluster cluster, FuzzRunner.Comparison comparison) =>
        All.FirstOrDefault(k => k.Applies(cluster, comparison))?.Name;
}
