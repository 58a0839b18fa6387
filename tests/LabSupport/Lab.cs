using System.Diagnostics;
using TestSupport;

namespace LabSupport;

/// <summary>
/// The lab of <c>./ha lab</c> (lab/lab.sh): starts and stops it, runs commands on its nodes and reads
/// the files it keeps under .ha/lab. Everything goes through the script, so tests see what a person sees.
/// </summary>
public sealed class Lab
{
    public const string Bridge = "ha-br0";
    public const string HostAddress = "10.77.0.254";
    public const string Vip = "10.77.0.100";
    public const string SharedMount = "/mnt/ha-shared";
    public const int SshPort = 2222;
    /// <summary>The apache config on every node: a link in the node's private /run to its own file.</summary>
    public const string ApacheConfig = "/run/ha-lab/apache.conf";

    public string Root { get; }
    public string StateDirectory { get; }

    public Lab(string? root = null)
    {
        Root = root ?? Repo.Root;
        StateDirectory = Path.Combine(Root, ".ha", "lab");
    }

    public static bool IsRoot => GetUid() == 0;

    public string ClientKey => Path.Combine(StateDirectory, "client_key");
    public string KnownHosts => Path.Combine(StateDirectory, "known_hosts");
    public string HypervisorDirectory => Path.Combine(StateDirectory, "hypervisor");
    /// <summary>The store as the nodes reach it (HA_CONNECTION of every node): Host=10.77.0.254.</summary>
    public string StoreUrlForNodes => File.ReadAllText(Path.Combine(StateDirectory, "store-url")).Trim();

    /// <summary>The same store and database as seen from the root namespace (Host=127.0.0.1).</summary>
    public string StoreUrl => File.ReadAllText(Path.Combine(StateDirectory, "store-url.root")).Trim();
    public string DiskDevice => File.ReadAllText(Path.Combine(StateDirectory, "disk", "device")).Trim();
    public string DiskImage => Path.Combine(StateDirectory, "disk", "shared.img");
    public int NodeCount => File.Exists(Path.Combine(StateDirectory, "nodes.count")) ? int.Parse(File.ReadAllText(Path.Combine(StateDirectory, "nodes.count")).Trim()) : 0;
    public IReadOnlyList<string> Nodes => Enumerable.Range(1, NodeCount).Select(i => $"node{i}").ToList();

    public static string Namespace(string node) => "ha-n" + Index(node);
    public static string HostLink(string node) => $"ha-n{Index(node)}-h";
    public static string Address(string node) => $"10.77.0.{Index(node)}";

    public static int Index(string node) =>
        node.StartsWith("node", StringComparison.Ordinal) && int.TryParse(node.AsSpan(4), out var i) && i > 0
            ? i : throw new ArgumentException($"not a lab node name: '{node}' (node1..nodeN)", nameof(node));

    /// <summary>The pid (in the root namespace) of the node's PID 1, tini, or null when the node is down.</summary>
    public int? TiniPid(string node)
    {
        var file = Path.Combine(StateDirectory, "nodes", node, "tini.pid");
        if (!File.Exists(file) || !int.TryParse(File.ReadAllText(file).Trim(), out var pid)) return null;
        return ProcFs.IsLiveProcess(pid, "tini") ? pid : null;
    }

    /// <summary>The hypervisor's view of a node's power: "running" or "shut off".</summary>
    public string PowerState(string node) => File.ReadAllText(Path.Combine(HypervisorDirectory, "domains", node)).Trim();

    /// <summary>
    /// `./ha lab up N`. <paramref name="database"/>: the database on the embedded store the nodes use (created
    /// when missing; default "ha"). <paramref name="boot"/>: the nodes' boot command (HA_LAB_BOOT, run by bash
    /// with HA_NODE, HA_CONNECTION set); default: `ha-node run --node NODE` once ha-node has it, else sleep.
    /// <paramref name="storeOutageBound"/>: the nodes' store-outage bound (HA_LAB_STORE_OUTAGE_BOUND; default ha-node's).
    /// </summary>
    public Task<CommandResult> UpAsync(int nodes = 2, string? database = null, string? boot = null, bool replicatedStore = false,
        TimeSpan? storeOutageBound = null)
    {
        // The API on every node is for people (./ha lab up, the demo); the lab's tests exercise the cluster without it.
        var environment = new Dictionary<string, string> { ["HA_LAB_API"] = "0" };
        if (storeOutageBound is { } bound) environment["HA_LAB_STORE_OUTAGE_BOUND"] = $"{(long)bound.TotalMilliseconds}ms";
        if (database is not null) environment["HA_LAB_DATABASE"] = database;
        if (boot is not null) environment["HA_LAB_BOOT"] = boot;
        string[] args = replicatedStore ? ["up", nodes.ToString(), "--store", "replicated"] : ["up", nodes.ToString()];
        return RunLabAsync(args, environment, TimeSpan.FromSeconds(180)).Checked();
    }

    /// <summary>`./ha lab store status`, parsed: the replicated store's members as lab/store.sh reports them.</summary>
    public async Task<StoreStatus> StoreStatusAsync() =>
        StoreStatus.Parse((await RunLabAsync(["store", "status"], null, TimeSpan.FromSeconds(60)).Checked()).Output);

    /// <summary>The pid (root namespace) of a replicated store member's PID 1, tini, or null when it is down.</summary>
    public int? StorePid(string member)
    {
        var file = Path.Combine(StateDirectory, "store", member, "tini.pid");
        if (!File.Exists(file) || !int.TryParse(File.ReadAllText(file).Trim(), out var pid)) return null;
        return ProcFs.IsLiveProcess(pid, "tini") ? pid : null;
    }

    /// <summary>`./ha lab store kill|cut|heal|promote MEMBER` (members s1..s3).</summary>
    public Task<CommandResult> StoreAsync(string action, string member) =>
        RunLabAsync(["store", action, member], null, TimeSpan.FromSeconds(60)).Checked();

    public Task<CommandResult> DownAsync() => RunLabAsync(["down"], null, TimeSpan.FromSeconds(60)).Checked();

    public Task<CommandResult> StatusAsync() => RunLabAsync(["status"]);

    public Task<CommandResult> KillAsync(string node) => RunLabAsync(["kill", node]).Checked();
    public Task<CommandResult> CutAsync(string node) => RunLabAsync(["cut", node]).Checked();
    public Task<CommandResult> HealAsync(string node) => RunLabAsync(["heal", node]).Checked();
    public Task<CommandResult> BootAsync(string node) => RunLabAsync(["boot", node]).Checked();

    /// <summary>Runs a command on a node (all its namespaces, via nsenter).</summary>
    public Task<CommandResult> ExecAsync(string node, params string[] command) => RunLabAsync(["exec", node, .. command]);

    /// <summary>Runs a shell script on a node.</summary>
    public Task<CommandResult> ShellAsync(string node, string script, TimeSpan? timeout = null) =>
        RunLabAsync(["exec", node, "/bin/bash", "-c", script], null, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>An ssh command line to the stand-in hypervisor with the lab's client key and known_hosts.</summary>
    public string[] Ssh(string address, params string[] command) =>
        ["ssh", "-i", ClientKey, "-o", $"UserKnownHostsFile={KnownHosts}", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
         "-o", "ConnectTimeout=5", "-p", SshPort.ToString(), $"root@{address}", .. command];

    public Task<CommandResult> RunLabAsync(string[] args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        Command.RunAsync(Path.Combine(Root, "ha"), ["lab", .. args], environment, timeout ?? TimeSpan.FromSeconds(60));

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetUid();
}
