using System.Text;

namespace Cib.Projections.Policy.Rendering;

/// <summary>The Transition Summary as crm_simulate prints it, one line per change.</summary>
public static class TransitionSummary
{
    public static IReadOnlyList<string> Lines(Transition t)
    {
        var lines = new List<string>();
        foreach (var c in t.Changes.Where(c => c.Kind == ChangeKind.Fence))
            lines.Add($"  * Fence ({c.FenceAction ?? "reboot"}) {c.Subject} '{c.Reason}'");
        var width = t.Changes.Where(c => c.Kind != ChangeKind.Fence).Select(c => c.Subject.Length).DefaultIfEmpty(0).Max();
        foreach (var c in t.Changes.Where(c => c.Kind != ChangeKind.Fence))
        {
            var where = c.Kind switch
            {
                ChangeKind.Move or ChangeKind.Recover when c.From != c.To && c.FromRole is not null => $"{c.FromRole} {c.From} -> Started {c.To}",
                ChangeKind.Move or ChangeKind.Recover when c.From != c.To => $"{c.From} -> {c.To}",
                ChangeKind.Start => c.To,
                ChangeKind.Stop when c.FromRole is not null => $"{c.FromRole} {c.From}",
                ChangeKind.Stop => c.From,
                ChangeKind.Restart or ChangeKind.Recover when c.FromRole is not null => $"{c.FromRole} -> Started {c.To}",
                _ => c.To ?? c.From,
            };
            var sb = new StringBuilder($"  * {c.Kind,-10} {c.Subject.PadRight(width)}     ( {where} )");
            if (c.Reason is not null) sb.Append($"  due to {c.Reason}");
            if (c.Blocked) sb.Append(c.Reason is null ? " blocked" : " (blocked)");
            lines.Add(sb.ToString());
        }
        return lines;
    }

    public static string Render(Transition t) => "Transition Summary:\n" + string.Concat(Lines(t).Select(l => l + "\n"));
}
