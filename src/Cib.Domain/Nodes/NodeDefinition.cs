using Cib.Domain.Primitives;

namespace Cib.Domain.Nodes;

/// <summary>A configured cluster node with its permanent attributes (standby and maintenance among them).</summary>
public sealed record NodeDefinition(string Name, ValueMap Attributes)
{
    public const string StandbyAttribute = "standby";
    public const string MaintenanceAttribute = "maintenance";

    public static NodeDefinition Create(string name) => new(name, ValueMap.Empty);

    public bool IsStandby => Flags.IsTrue(Attributes.Get(StandbyAttribute));
    public bool IsMaintenance => Flags.IsTrue(Attributes.Get(MaintenanceAttribute));
}

/// <summary>Pacemaker's boolean spellings: true/on/yes/y/1 and false/off/no/n/0.</summary>
public static class Flags
{
    public static bool IsTrue(string? value) => value is not null && TryParse(value, out var b) && b;

    public static bool TryParse(string? value, out bool result)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "true" or "on" or "yes" or "y" or "1":
                result = true;
                return true;
            case "false" or "off" or "no" or "n" or "0":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }
}
