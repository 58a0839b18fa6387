using Cib.Domain.Configuration;
using Cib.Domain.Resources;

namespace NodeRuntime.Fencing;

/// <summary>Builds the fence device for a stonith primitive: the SSH libvirt device or a Debian fence agent.</summary>
public static class FenceDevices
{
    public static IFenceDevice Create(Primitive primitive, string fenceAgentDirectory = FenceAgentDevice.DefaultDirectory)
    {
        if (!primitive.IsFenceDevice)
            throw new FenceDeviceConfigurationException(primitive.Id, $"{primitive.Agent} is not a stonith agent");
        return primitive.Agent.Type == LibvirtSshFenceDevice.AgentType
            ? LibvirtSshFenceDevice.Create(primitive)
            : FenceAgentDevice.Create(primitive, fenceAgentDirectory);
    }

    /// <summary>Every device of the configuration this node can build; the others with the reason.</summary>
    public static (IReadOnlyList<IFenceDevice> Devices, IReadOnlyList<string> Problems) CreateAll(ClusterConfiguration configuration, string fenceAgentDirectory = FenceAgentDevice.DefaultDirectory)
    {
        var devices = new List<IFenceDevice>();
        var problems = new List<string>();
        foreach (var p in configuration.FenceDevices)
        {
            try { devices.Add(Create(p, fenceAgentDirectory)); }
            catch (FenceDeviceConfigurationException e) { problems.Add(e.Message); }
        }
        return (devices, problems);
    }
}
