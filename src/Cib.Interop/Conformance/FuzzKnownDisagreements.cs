namespace Cib.Interop.Conformance;

/// <summary>
/// Disagreements with crm_simulate kept on purpose, each documented in docs/policy-engine.md ("Kept
/// disagreements") with its reason. A generated case that matches one is reported as known, not as new.
/// </summary>
public static class FuzzKnownDisagreements
{
    public sealed record Known(string Name, Func<FuzzCluster, FuzzRunner.Comparison, bool> Applies);

    public const string DefinitionChangeReason = " due to resource definition change";

    public static IReadOnlyList<Known> All { get; } =
    [
        // crm_simulate 2.1.5 drops the reason of a restart for changed parameters when no-quorum-policy=ignore
        // (the same restart has it under every other policy); we always give it. Same actions, one word less.
        new("definition-change-reason-with-no-quorum-policy-ignore", (cluster, c) =>
            cluster.NoQuorumPolicy == "ignore" && c.Error is null
            && !c.Theirs.Any(l => l.Contains(DefinitionChangeReason, StringComparison.Ordinal))
            && SameAfter(c.Theirs, c.Ours, line => line.Replace(DefinitionChangeReason, "", StringComparison.Ordinal))),
    ];

    public static string? Match(FuzzCluster cluster, FuzzRunner.Comparison comparison) =>
        All.FirstOrDefault(k => k.Applies(cluster, comparison))?.Name;

    private static bool SameAfter(IReadOnlyList<string> theirs, IReadOnlyList<string> ours, Func<string, string> normalise) =>
        theirs.Select(normalise).Order(StringComparer.Ordinal).SequenceEqual(ours.Select(normalise).Order(StringComparer.Ordinal));
}
