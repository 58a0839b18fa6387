namespace Cib.Projections.Policy;

/// <summary>A set of (resource, node) pairs as one bit per pair: resource by its order, node by its index.</summary>
internal sealed class NodeMatrix(int resources, int nodes)
{
    private readonly ulong[] _bits = new ulong[((long)resources * nodes + 63) / 64];

    public void Set(int resource, int node)
    {
        var bit = (long)resource * nodes + node;
        _bits[bit >> 6] |= 1UL << (int)(bit & 63);
    }

    public bool Get(int resource, int node)
    {
        var bit = (long)resource * nodes + node;
        return (_bits[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
    }
}
