using System.Diagnostics;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using Microsoft.Playwright;
using NodeRuntime;
using TestSupport;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests;

/// <summary>
/// The console on a one-node cluster whose node is real: <c>ha-node serve</c>'s own host (<see cref="NodeHost"/>, built
/// by <see cref="Serve.Build"/> as the command line builds it) runs in this process against the scratch database, node1,
/// with its lease, the controller role, the agent and the real OCF agents of Debian's resource-agents. No network
/// namespace, no fencing (stonith-enabled=false); the agents' state files go where the primitive's parameters say.
/// </summary>
public sealed class LiveConsoleServer : ConsoleFixture
{
    private NodeHost? _node;

    /// <summary>A directory of this test's own for the Dummy agents' state files.</summary>
    public string StateDirectory { get; } = Directory.CreateTempSubdirectory("ha-console-live-").FullName;

    protected override async Task SeedAsync()
    {
        await new ConfigurationWriter(Db.Store).ChangeAsync(new ChangeConfiguration(0,
            [new DefineNode("node1"), new SetClusterProperty("stonith-enabled", "false")],
            DateTimeOffset.UtcNow, Actor.User("ada"), "a one-node cluster without fencing"), CommandMetadata.For(Actor.User("ada")));
        // A lease timeout of 5 s: the browser shares this machine's two cores, and a renewal late by a second would be a
        // lost node in a one-node cluster; the rules are the same for any timeout.
        _node = Serve.Build(NodeRuntime.Options.Parse(["--node", "node1", "--connection", Db.ConnectionString, "--lease-timeout", "5s"]));
        await _node.StartAsync();
        // node1 tells the cluster which agents it has (decision 0017): the form offers those. The fixture waits for the
        // report to be complete (every agent's meta-data read or known to fail); on a fresh store that is one run of each.
        var agents = new NodeAgents(Db.DataSource);
        await Eventually.True(async () => await agents.ListAsync() is { Count: > 0 } reported && reported.All(a => a.Described || a.Error is not null),
            "node1 reported its agents with their meta-data", limitSeconds: 300);
    }

    protected override async Task StopSeededAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        Directory.Delete(StateDirectory, recursive: true);
    }
}

/// <summary>
/// What the console does on a live cluster: a primitive created through the form is planned by the controller and
/// started by the node runtime with the real agent, shown as started without a reload, and stopped by its Stop button.
/// </summary>
public sealed class LiveClusterTests(LiveConsoleServer server) : IClassFixture<LiveConsoleServer>
{
    private const string DummyAgent = "/usr/lib/ocf/resource.d/heartbeat/Dummy";

    /// <summary>Generous: the controller's start-up grace, a transition and the agent, on a loaded machine.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions Slowly = new() { Timeout = 90_000 };

    [Fact]
    public async Task A_Dummy_primitive_created_through_the_form_is_started_by_the_node_and_stopped_by_its_button_without_a_reload()
    {
        var state = Path.Combine(server.StateDirectory, "console-dummy.state");
        var page = await server.NewPageAsync();
        await ConsoleFixture.LoginAsync(page, "ada", "/resources");
        // A marker a reload would lose.
        await page.EvaluateAsync("() => { window.notReloaded = true; }");

        await page.SelectOptionAsync("#agent-class", "ocf");
        await page.SelectOptionAsync("#agent-provider", "heartbeat");
        await page.SelectOptionAsync("#agent-type", "ocf:heartbeat:Dummy");
        // The form is built from the agent's meta-data: each parameter with its description, type and default.
        await Expect(page.Locator("#param-state")).ToBeVisibleAsync();
        await Expect(page.Locator("#param-state-desc")).ToContainTextAsync("type string");
        await Expect(page.Locator("[data-op=monitor] .op-timeout")).ToHaveValueAsync("20s");
        await page.FillAsync("#primitive-id", "console-dummy");
        await page.FillAsync("#param-state", state);
        await page.FillAsync("#param-fake", "hello world");
        await Expect(page.Locator("#crm-preview")).ToContainTextAsync("primitive console-dummy ocf:heartbeat:Dummy");
        await ConsoleFixture.ScreenshotAsync(page, "resources-create-form");
        await page.ClickAsync("#create-button");
        await Expect(page.Locator("#create-result")).ToContainTextAsync("Created console-dummy");
        var (configuration, _) = await ConfigurationReader.LoadAsync(server.Db.Store);
        Assert.Equal("hello world", configuration.Resources["console-dummy"] is Primitive p ? p.Params.Get("fake") : null);

        // The controller plans the start, node1 runs the agent's start: the page shows it started, from the stream.
        var row = page.Locator("#resources tr[data-resource=console-dummy]");
        await Expect(row.Locator(".role")).ToHaveTextAsync("Started", Slowly);
        await Expect(row.Locator(".where")).ToHaveTextAsync("node1");
        Assert.True(File.Exists(state), "the Dummy agent's start created its state file");
        Assert.Equal(0, await DummyMonitorAsync(state));
        var start = Assert.Single((await server.Db.EventsAsync(StreamIds.ResourceOn("console-dummy", "node1")))
            .OfType<ResourceOperationSucceeded>(), e => e.Operation == "start");
        Assert.StartsWith("t", start.Origin.TransitionId);
        await ConsoleFixture.ScreenshotAsync(page, "resources-started");

        // Stop: the command sets target-role=Stopped, the controller plans the stop, node1 runs the agent's stop.
        await row.GetByRole(AriaRole.Button, new() { Name = "stop console-dummy" }).ClickAsync();
        await Expect(page.Locator("#messages")).ToContainTextAsync("stop console-dummy: done");
        await Expect(row.Locator(".target-role")).ToHaveTextAsync("Stopped");
        await Expect(row.Locator(".role")).ToHaveTextAsync("Stopped", Slowly);
        Assert.False(File.Exists(state), "the Dummy agent's stop removed its state file");
        Assert.Equal(OcfRc.NotRunning, await DummyMonitorAsync(state));
        Assert.Contains((await server.Db.EventsAsync(StreamIds.ResourceOn("console-dummy", "node1"))).OfType<ResourceOperationSucceeded>(),
            e => e.Operation == "stop" && e.Origin.TransitionId is not null);
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "the page was reloaded");
        await ConsoleFixture.ScreenshotAsync(page, "resources");

        // Edited in the same form: its values filled in (the target role the stop set too), one changed, saved.
        await row.GetByRole(AriaRole.Button, new() { Name = "edit console-dummy in the form" }).ClickAsync();
        await Expect(page.Locator("#param-fake")).ToHaveValueAsync("hello world");
        await Expect(page.Locator("#target-role")).ToHaveValueAsync("Stopped");
        await page.FillAsync("#param-fake", "changed");
        await page.ClickAsync("#create-button");
        await Expect(page.Locator("#create-result")).ToContainTextAsync("Saved console-dummy");
        (configuration, _) = await ConfigurationReader.LoadAsync(server.Db.Store);
        var edited = Assert.IsType<Primitive>(configuration.Resources["console-dummy"]);
        Assert.Equal("changed", edited.Params.Get("fake"));
        Assert.Equal("Stopped", edited.Meta.Get("target-role"));
        Assert.Equal(["monitor", "start", "stop"], edited.Operations.Select(o => o.Name).Order(StringComparer.Ordinal).ToArray());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_form_offers_the_agents_node1_reported_among_them_its_built_in_external_libvirt_with_hostlist_and_hypervisor_uri()
    {
        var page = await server.NewPageAsync();
        await ConsoleFixture.LoginAsync(page, "ada", "/resources");
        await Expect(page.Locator("#agent-source")).ToContainTextAsync("the agents installed on the nodes, as they reported them (node1)");

        // The fence device of the Pacemaker how-to: class stonith (no provider), type external/libvirt, node1's built-in device.
        await page.SelectOptionAsync("#agent-class", "stonith");
        await Expect(page.Locator("#agent-provider")).ToBeDisabledAsync();
        await page.SelectOptionAsync("#agent-type", "stonith:external/libvirt");
        await Expect(page.Locator("#agent-nodes")).ToHaveTextAsync("Installed on node1.");
        // Its two parameters as its meta-data says: described, required.
        foreach (var parameter in new[] { "hostlist", "hypervisor_uri" })
        {
            var input = page.Locator($"#param-{parameter}");
            await Expect(input).ToBeVisibleAsync();
            await Expect(input).ToHaveAttributeAsync("required", "");
            await Expect(page.Locator($"label[for=param-{parameter}]")).ToContainTextAsync("(required)");
        }
        await Expect(page.Locator("#param-hostlist-desc")).ToContainTextAsync("Nodes this device can fence");
        await Expect(page.Locator("#param-hypervisor_uri-desc")).ToContainTextAsync("qemu+ssh://[user@]host[:port]/system");
        await page.FillAsync("#primitive-id", "fence-libvirt");
        await page.FillAsync("#param-hostlist", "node1:vm1");
        await page.FillAsync("#param-hypervisor_uri", "qemu+ssh://root@10.77.0.254/system");
        await Expect(page.Locator("#crm-preview")).ToContainTextAsync("primitive fence-libvirt stonith:external/libvirt");
        await Expect(page.Locator("#crm-preview")).ToContainTextAsync("hostlist=node1:vm1");
        await Expect(page.Locator("#crm-preview")).ToContainTextAsync("hypervisor_uri=qemu+ssh://root@10.77.0.254/system");
        await ConsoleFixture.ScreenshotAsync(page, "resources-libvirt-form");
        await page.Context.CloseAsync();
    }

    /// <summary>The agent's own answer, asked by this test rather than the product: 0 running, 7 not running.</summary>
    private static async Task<int> DummyMonitorAsync(string state)
    {
        var start = new ProcessStartInfo(DummyAgent, ["monitor"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["OCF_ROOT"] = "/usr/lib/ocf";
        start.Environment["OCF_RESOURCE_INSTANCE"] = "console-dummy";
        start.Environment["OCF_RESKEY_state"] = state;
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
