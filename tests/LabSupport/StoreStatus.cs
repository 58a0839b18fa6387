using System.Text.RegularExpressions;

namespace LabSupport;

/// <summary>One member of the lab's replicated store as `./ha lab store status` prints it.</summary>
/// <param name="Role">From etcd (Patroni's view): leader, sync-standby, replica or "-".</param>
/// <param name="OwnRole">What the member itself says over its REST API: primary, replica or "-" (unreachable).</param>
public sealed record StoreMember(string Name, bool Up, string Link, string Role, string OwnRole, string State, string Timeline, string Etcd);

/// <summary>`./ha lab store status`, parsed (lab/store-status.py writes one key=value line per member).</summary>
public sealed partial record StoreStatus(IReadOnlyList<StoreMember> Members, string Text)
{
    public string? Leader => Members.SingleOrDefault(m => m.Role == "leader")?.Name;
    public string? SyncStandby => Members.SingleOrDefault(m => m.Role == "sync-standby")?.Name;
    public IReadOnlyList<string> PrimariesByOwnView => Members.Where(m => m.OwnRole == "primary").Select(m => m.Name).ToList();
    public StoreMember this[string name] => Members.Single(m => m.Name == name);

    public static StoreStatus Parse(string text)
    {
        var members = new List<StoreMember>();
        foreach (var line in text.Split('\n'))
        {
            var match = MemberLine().Match(line);
            if (!match.Success) continue;
            var fields = match.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
            members.Add(new StoreMember(match.Groups[1].Value, fields["member"].StartsWith("up", StringComparison.Ordinal),
                fields["link"], fields["role"], fields["own_role"], fields["state"], fields["timeline"], fields["etcd"]));
        }
        return new StoreStatus(members, text);
    }

    [GeneratedRegex(@"^(s[0-9]+): (.*)$")]
    private static partial Regex MemberLine();
}
