using System.Runtime.CompilerServices;
using Cib.Domain.Configuration;
using Cib.Domain.Constraints;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Policy.Reconcile;

namespace Cib.Projections.Policy;

/// <summary>The working set of one planning run: the input plus what each step has concluded so far.</summary>
internal sealed class PlanContext
{
    public PlanContext(ClusterState state)
    {
        State = state;
        Configuration = state.Configuration;
        Options = state.Configuration.Options;
        Now = state.NowEpochSeconds;
        IsSymmetric = Options.IsSymmetric;
    }

    public ClusterState State { get; }
    public ClusterConfiguration Configuration { get; }
    public ClusterOptions Options { get; }
    public long Now { get; }
    public bool IsSymmetric { get; }

    /// <summary>Nodes by ordinal name.</summary>
    public SortedDictionary<string, NodeView> Nodes { get; } = new(StringComparer.Ordinal);
    /// <summary>The same nodes in ordinal name order, each at its <see cref="NodeView.Index"/>; per-node arrays use that index.</summary>
    public List<NodeView> NodeList { get; } = [];
    /// <summary>Primitives in configuration order.</summary>
    public List<ResourceView> Resources { get; } = [];
    /// <summary>Which resource has any history on which node (no probe needed there), by resource order and node index.</summary>
    public NodeMatrix KnownOn { get; set; } = new(0, 0);

    /// <summary>Top-level resources (groups and primitives outside groups) in configuration order, worked out once per run.</summary>
    public IReadOnlyList<Resource> TopLevel => Resolved.TopLevel;
    /// <summary>The groups in id order (as <see cref="ClusterConfiguration.Groups"/>), worked out once per run.</summary>
    public IReadOnlyList<Group> Groups => Resolved.Groups;
    private (List<Resource> TopLevel, List<Group> Groups) Resolved => _resolved ??= ReconcileStep.TopLevelOrder(this);
    private (List<Resource> TopLevel, List<Group> Groups)? _resolved;
    public Dictionary<string, ResourceView> ById { get; } = new(StringComparer.Ordinal);

    /// <summary>Allocation scores, per (stage, resource) block; ranking adds them once <see cref="NodeList"/> is complete.</summary>
    public ScoreLog Scores => _scores ??= new ScoreLog(NodeList.Select(n => n.Name).ToArray(), expectedBlocks: 2 * Resources.Count);
    private ScoreLog? _scores;

    /// <summary>A scratch array of one score per node, for ranking to reuse (never kept).</summary>
    public Score[] ScoreBuffer => _scoreBuffer ??= new Score[NodeList.Count];
    private Score[]? _scoreBuffer;
    public List<string> Notes { get; } = [];
    public List<Rejection> Rejections { get; } = [];

    /// <summary>Quorum as far as resource management goes: real quorum, or a policy that ignores its loss.</summary>
    public bool Quorate => State.HasQuorum || Options.NoQuorum == "ignore";

    /// <summary>Fencing is possible: enabled and (quorate or told to ignore quorum).</summary>
    /// <summary>Without quorum, policies stop, suicide and demote stop what needs quorum (for primitives demote is stop).</summary>
    public bool StopsWithoutQuorum => !Quorate && Options.NoQuorum is "stop" or "suicide" or "demote";

    public bool CanFence => Options.IsStonithEnabled && Quorate;

    /// <summary>Pacemaker's pe_can_fence: with quorum (or quorum ignored) any node; without, only nodes still in our membership.</summary>
    public bool CanFenceNode(Reconcile.NodeView node) => Options.IsStonithEnabled && (Quorate || node.InMembership);

    /// <summary>A meta attribute: the primitive's, then its group's, then rsc_defaults.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? Meta(ResourceView rsc, string name) =>
        rsc.Primitive.Meta.Get(name) ?? rsc.Group?.Meta.Get(name) ?? Configuration.ResourceDefaults.Get(name);

    private ILookup<string, LocationConstraint>? _locations;

    /// <summary>
    /// Location constraints naming a resource (a primitive or a group) that apply now, indexed once per run. One past its
    /// end (<see cref="LocationConstraint.Until"/> at or before <see cref="Now"/>) is left out: it contributes nothing
    /// anywhere (no score, no opt-in on an asymmetric cluster), as a location whose rule is false in Pacemaker.
    /// </summary>
    public IEnumerable<LocationConstraint> LocationsFor(string resourceId) => Locations[resourceId];

    private ILookup<string, LocationConstraint> Locations =>
        _locations ??= Configuration.Constraints.Values.OfType<LocationConstraint>().Where(l => l.AppliesAt(Now))
            .ToLookup(l => l.Resource, StringComparer.Ordinal);

    /// <summary>The resource or its group has location constraints at all (most have none: skip the work).</summary>
    public bool HasLocations(Reconcile.ResourceView rsc) =>
        Locations.Contains(rsc.Id) || (rsc.Group is not null && Locations.Contains(rsc.Group.Id));

    private readonly Dictionary<(ValueMap, bool), string> _digests = [];

    /// <summary>
    /// <see cref="ParameterDigest.Of"/> (or <see cref="ParameterDigest.Secure"/>) of a parameter set, worked out once
    /// per run for equal sets (many resources share theirs, often the empty one).
    /// </summary>
    public string DigestOf(ValueMap parameters, bool secure)
    {
        if (!_digests.TryGetValue((parameters, secure), out var digest))
            _digests[(parameters, secure)] = digest = secure ? ParameterDigest.Secure(parameters) : ParameterDigest.Of(parameters);
        return digest;
    }

    public IEnumerable<ResourceView> MembersOf(Group g) => g.Members.Select(m => ById[m]);
}
