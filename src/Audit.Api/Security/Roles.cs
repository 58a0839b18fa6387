using Cib.Domain.Users;

namespace Audit.Api.Security;

/// <summary>The authorisation policies, by role: each role includes the ones below it (auditor &lt; operator &lt; admin).</summary>
public static class Roles
{
    /// <summary>Status, configuration and history: every user.</summary>
    public const string Read = "read";
    /// <summary>Resource and node commands, clean-ups, fencing: operators and admins.</summary>
    public const string Operate = "operate";
    /// <summary>Configuration changes and users: admins.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<(string Policy, string[] Roles)> Policies =
    [
        (Read, [nameof(UserRole.Auditor), nameof(UserRole.Operator), nameof(UserRole.Admin)]),
        (Operate, [nameof(UserRole.Operator), nameof(UserRole.Admin)]),
        (Admin, [nameof(UserRole.Admin)]),
    ];
}

/// <summary>
/// Endpoint metadata: a request that is not a GET but appends nothing (verify, simulate), so every user may send it.
/// The role matrix test holds such endpoints to it: the log's head does not move.
/// </summary>
public sealed class AppendsNothing;
