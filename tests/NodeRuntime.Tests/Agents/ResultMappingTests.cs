using Cib.Domain.Operations;
using NodeRuntime.Agents;
using NodeRuntime.Execution;

namespace NodeRuntime.Tests.Agents;

public sealed class ResultMappingTests
{
    [Theory]
    [InlineData("start", 0, 0, true)]
    [InlineData("start", 7, 7, false)]
    [InlineData("stop", 0, 0, true)]
    [InlineData("stop", 7, 0, true)]
    [InlineData("stop", 1, 1, false)]
    [InlineData("monitor", 0, 0, true)]
    [InlineData("monitor", 7, 7, true)]
    [InlineData("monitor", 8, 8, true)]
    [InlineData("monitor", 9, 9, false)]
    [InlineData("monitor", 255, 1, false)]
    public void Probe_start_and_stop_codes(string operation, int exit, int rc, bool ok) =>
        Assert.Equal((rc, ok), OcfResultMapping.Map(operation, 0, exit));

    [Theory]
    [InlineData(0, true)]
    [InlineData(8, true)]
    [InlineData(7, false)]
    [InlineData(1, false)]
    public void A_recurring_monitor_succeeds_only_while_the_resource_runs(int exit, bool ok) =>
        Assert.Equal(ok, OcfResultMapping.Map(Operations.Monitor, 10_000, exit).Succeeded);

    [Theory]
    [InlineData(0, OcfRc.Success)]
    [InlineData(1, OcfRc.NotRunning)]
    [InlineData(2, OcfRc.NotRunning)]
    [InlineData(3, OcfRc.NotRunning)]
    [InlineData(4, OcfRc.GenericError)]
    [InlineData(150, OcfRc.NotInstalled)]
    [InlineData(151, OcfRc.InsufficientPrivileges)]
    public void LSB_status_codes_map_as_Pacemaker_maps_them(int lsb, int ocf) =>
        Assert.Equal(ocf, LsbStatusMapping.StatusToOcf(lsb));

    [Fact]
    public void The_exit_reason_is_the_last_prefixed_line() =>
        Assert.Equal("second", OcfResultMapping.ExitReason("x\nocf-exit-reason:first\nERROR: ocf-exit-reason:second\n"));
}
