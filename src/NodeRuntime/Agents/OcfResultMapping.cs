using Cib.Domain.Operations;
using NodeRuntime.Execution;

namespace NodeRuntime.Agents;

/// <summary>
/// Maps an agent's exit code to (rc, status, success) as Pacemaker's executor and scheduler read it:
/// <list type="bullet">
/// <item>start, promote, demote, validate-all, meta-data, reload: rc 0 is success, anything else a failure.</item>
/// <item>stop: rc 0 is success; rc 7 (already stopped) is also success, as in Pacemaker's executor.</item>
/// <item>probe (monitor, interval 0): rc 0, 7 and 8 report the observed state and succeed; other rcs fail.</item>
/// <item>recurring monitor: rc 0 and 8 succeed; rc 7 (stopped behind our back) and every error fail.</item>
/// </list>
/// Exit codes outside 0-9 become rc 1 (generic error). The status is Done whenever the agent ran to
/// the end; Timeout, NotInstalled and Error come from the executor (timeout, missing agent, could not start).
/// </summary>
public static class OcfResultMapping
{
    public static (int Rc, bool Succeeded) Map(string operation, long intervalMs, int exitCode)
    {
        var rc = exitCode is >= 0 and <= 9 ? exitCode : OcfRc.GenericError;
        var ok = operation switch
        {
            Operations.Stop => rc is OcfRc.Success or OcfRc.NotRunning,
            Operations.Monitor when intervalMs == 0 => rc is OcfRc.Success or OcfRc.NotRunning or OcfRc.RunningPromoted,
            Operations.Monitor => rc is OcfRc.Success or OcfRc.RunningPromoted,
            _ => rc == OcfRc.Success,
        };
        // Pacemaker records a stop that found nothing running as a plain success.
        if (operation == Operations.Stop && rc == OcfRc.NotRunning) rc = OcfRc.Success;
        return (rc, ok);
    }

    /// <summary>The text after Pacemaker's <c>ocf-exit-reason:</c> prefix in the agent's stderr (last one wins).</summary>
    public static string? ExitReason(string stderr)
    {
        const string prefix = "ocf-exit-reason:";
        string? reason = null;
        foreach (var line in stderr.Split('\n'))
        {
            var i = line.IndexOf(prefix, StringComparison.Ordinal);
            if (i >= 0) reason = line[(i + prefix.Length)..].Trim();
        }
        return string.IsNullOrEmpty(reason) ? null : reason;
    }
}
