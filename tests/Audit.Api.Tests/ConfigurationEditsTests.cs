using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using Xunit;

namespace Audit.Api.Tests;

/// <summary>An admin's edits of one value or one object: properties and defaults, objects created, replaced and deleted.</summary>
public sealed class ConfigurationEditsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task ConfiguredAsync()
    {
        var (configuration, version) = await ConfigurationReader.LoadAsync(api.Db.Store);
        if (configuration.Nodes.ContainsKey("node1")) return;
        await new ConfigurationWriter(api.Db.Store).ChangeAsync(new ChangeConfiguration(version, [
            new DefineNode("node1"), new DefineNode("node2"), new DefinePrimitive(Primitive.Create("vip", "ocf:heartbeat:IPaddr2")),
        ], DateTimeOffset.UtcNow, Actor.User("ada")), CommandMetadata.For(Actor.User("ada")));
    }

    private static StringContent Crm(string text) => new(text, Encoding.UTF8, "text/plain");

    [Fact]
    public async Task Properties_and_defaults_are_set_and_removed_one_at_a_time()
    {
        await ConfiguredAsync();
        var ada = await api.ClientAsAsync("ada");
        await Ok.AssertAsync(await ada.PutAsJsonAsync("/api/v1/configuration/properties/no-quorum-policy", new { value = "freeze" }));
        await Ok.AssertAsync(await ada.PutAsJsonAsync("/api/v1/configuration/rsc-defaults/resource-stickiness", new { value = "100" }));
        await Ok.AssertAsync(await ada.PutAsJsonAsync("/api/v1/configuration/op-defaults/timeout", new { value = "30s" }));
        var state = (await ConfigurationReader.LoadAsync(api.Db.Store)).State;
        Assert.Equal(("freeze", "100", "30s"), (state.Properties.Get("no-quorum-policy"), state.ResourceDefaults.Get("resource-stickiness"), state.OperationDefaults.Get("timeout")));

        await Ok.AssertAsync(await ada.DeleteAsync("/api/v1/configuration/properties/no-quorum-policy"));
        Assert.Null((await ConfigurationReader.LoadAsync(api.Db.Store)).State.Properties.Get("no-quorum-policy"));
        // What the validator refuses is a 400 naming it; an operator may not configure.
        await Problem.AssertAsync(await ada.PutAsJsonAsync("/api/v1/configuration/rsc-defaults/resource-stickiness", new { value = "lots" }), 400, "invalid-score");
        await Problem.AssertAsync(await (await api.ClientAsAsync("otto")).PutAsJsonAsync("/api/v1/configuration/properties/stonith-enabled", new { value = "false" }), 403, "forbidden");
    }

    [Fact]
    public async Task One_object_is_read_created_replaced_and_deleted_by_its_id()
    {
        await ConfiguredAsync();
        var ada = await api.ClientAsAsync("ada");
        var created = await Ok.AssertAsync(await ada.PutAsync("/api/v1/configuration/objects/db", Crm("primitive db ocf:heartbeat:Dummy op monitor interval=10s\n")));
        Assert.True(created.GetProperty("events").GetArrayLength() > 0);
        var shown = await ada.GetAsync("/api/v1/configuration/objects/db");
        var text = await shown.Content.ReadAsStringAsync();
        Assert.StartsWith("primitive db ocf:heartbeat:Dummy", text.Trim());
        Assert.NotNull(shown.Headers.ETag);

        await Ok.AssertAsync(await ada.PutAsync("/api/v1/configuration/objects/prefer-db", Crm("location prefer-db db 50: node2\n")));
        Assert.Contains("prefer-db", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Constraints.Keys);

        // The text must define the object the URL names, and nothing else; bad text names its line and column.
        await Problem.AssertAsync(await ada.PutAsync("/api/v1/configuration/objects/db", Crm("primitive other ocf:heartbeat:Dummy\n")), 400, "object-mismatch");
        var invalid = await Problem.AssertAsync(await ada.PutAsync("/api/v1/configuration/objects/db", Crm("primitive db\n")), 400, "configuration-invalid");
        Assert.Equal(1, invalid.GetProperty("errors")[0].GetProperty("line").GetInt32());

        // Based on a version that is no longer current: 412, nothing lost.
        var stale = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/configuration/objects/db") { Headers = { { "If-Match", "\"1\"" } } };
        await Problem.AssertAsync(await ada.SendAsync(stale), 412, "stale");
        Assert.Contains("db", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Resources.Keys);

        await Ok.AssertAsync(await ada.DeleteAsync("/api/v1/configuration/objects/prefer-db"));
        await Ok.AssertAsync(await ada.DeleteAsync("/api/v1/configuration/objects/db"));
        Assert.DoesNotContain("db", (await ConfigurationReader.LoadAsync(api.Db.Store)).State.Resources.Keys);
        await Problem.AssertAsync(await ada.DeleteAsync("/api/v1/configuration/objects/db"), 404, "unknown-object");
        await Problem.AssertAsync(await ada.GetAsync("/api/v1/configuration/objects/db"), 404, "unknown-object");
    }
}
