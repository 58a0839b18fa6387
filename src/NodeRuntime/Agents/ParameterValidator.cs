using Cib.Domain.Resources;

namespace NodeRuntime.Agents;

/// <summary>A problem with a primitive's instance parameters, named by parameter.</summary>
public sealed record ParameterProblem(string Resource, string Parameter, string Message)
{
    public override string ToString() => $"{Resource}: {Message}";
}

/// <summary>
/// Checks a primitive's instance parameters against its agent's meta-data: every parameter must be
/// one the agent declares, and every required one must be set. Fence devices also accept Pacemaker's
/// own <c>pcmk_*</c> parameters, which the fencer reads and the agent never sees.
/// </summary>
public static class ParameterValidator
{
    public static IReadOnlyList<ParameterProblem> Validate(Primitive primitive, AgentMetadata metadata)
    {
        var problems = new List<ParameterProblem>();
        var known = metadata.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in primitive.Params.Keys)
        {
            if (known.Contains(name)) continue;
            if (primitive.IsFenceDevice && (name.StartsWith("pcmk_", StringComparison.Ordinal) || name is "priority")) continue;
            var close = known.Where(k => k.Equals(name, StringComparison.OrdinalIgnoreCase) || Distance(k, name) <= 2).Order(StringComparer.Ordinal).FirstOrDefault();
            problems.Add(new ParameterProblem(primitive.Id, name,
                $"unknown parameter '{name}' for {metadata.Agent}" + (close is null ? "" : $" (did you mean '{close}'?)")
                + $"; it takes: {string.Join(", ", metadata.Parameters.Select(p => p.Name))}"));
        }
        foreach (var p in metadata.Parameters.Where(p => p.Required && !primitive.Params.ContainsKey(p.Name)))
            problems.Add(new ParameterProblem(primitive.Id, p.Name,
                $"missing required parameter '{p.Name}' for {metadata.Agent}" + (p.ShortDescription is null ? "" : $" ({p.ShortDescription})")));
        return problems;
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        for (var j = 1; j <= b.Length; j++)
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
