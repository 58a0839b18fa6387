using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cib.Domain.Configuration;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Projections.Store;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests;

/// <summary>
/// The web console in a real browser (Debian's chromium, headless) against the real API on a real port, on a cluster
/// whose nodes are simulated (their reports appended as a node appends them): the login, the live dashboard, groups and
/// constraints from their forms, a stale edit shown as a conflict, crm text errors at line and column, the failover timeline, the replay
/// slider, and an auditor who sees everything and can change nothing. Each page is saved as a screenshot under the test
/// output (bin/.../screenshots).
/// </summary>
public sealed class ConsoleTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    [Fact]
    public async Task A_wrong_password_is_refused_and_the_right_one_opens_the_dashboard_with_the_status()
    {
        var page = await server.NewPageAsync();
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?next=%2F$"));
        await page.FillAsync("#name", "ada");
        await page.FillAsync("#password", "not the password");
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("#login-error")).ToContainTextAsync("wrong password");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await ConsoleServer.ScreenshotAsync(page, "login-refused");

        await page.FillAsync("#password", ConsoleServer.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(u => !u.Contains("/login", StringComparison.Ordinal));
        // The status, from the stream: the nodes and their states, the resources where they run.
        await Expect(page.Locator("#nodes tr[data-node=node1] .state")).ToHaveTextAsync("online");
        await Expect(page.Locator("#nodes tr[data-node=node2] .state")).ToHaveTextAsync("fenced");
        await Expect(page.Locator("#resources tr[data-resource=web] .where")).ToHaveTextAsync("node3");
        await Expect(page.Locator("#resources tr[data-resource=db] .role")).ToHaveTextAsync("Started");
        await Expect(page.Locator("#quorum")).ToBeVisibleAsync();
        await Expect(page.Locator("#role")).ToHaveTextAsync("Admin");

        // The session cookie: HttpOnly, Secure, SameSite=Strict.
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "ha-session");
        Assert.True(cookie.HttpOnly && cookie.Secure && cookie.SameSite == SameSiteAttribute.Strict, $"{cookie.HttpOnly} {cookie.Secure} {cookie.SameSite}");
        await ConsoleServer.ScreenshotAsync(page, "dashboard");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_failed_operation_shows_on_the_dashboard_live_and_its_Cleanup_button_clears_it()
    {
        var page = await server.NewPageAsync();
        await ConsoleServer.LoginAsync(page, "ada", "/");
        await Expect(page.Locator("#resources tr[data-resource=app] .role")).ToHaveTextAsync("Started");
        await server.NodeReportsAsync("node1", new ResourceOperationFailed("app", "node1", "monitor", 10_000, OcfRc.NotRunning, OperationStatus.Done,
            new OperationOrigin(null, null), 20, null, "process gone", DateTimeOffset.UtcNow), StreamIds.ResourceOn("app", "node1"));
        var failed = page.Locator("#failed tr[data-resource=app][data-node=node1]");
        await Expect(failed).ToContainTextAsync("process gone");
        await ConsoleServer.ScreenshotAsync(page, "dashboard-failed-operation");
        await failed.GetByRole(AriaRole.Button, new() { Name = "cleanup app on node1" }).ClickAsync();
        await Expect(page.Locator("#messages")).ToContainTextAsync("cleanup app on node1: done");
        await Expect(failed).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Without_a_session_a_page_sends_to_the_login_and_the_api_answers_401()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.Url) };
        var page = await client.GetAsync("/resources");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?next=%2Fresources", page.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/status")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/login")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/js/common.js")).StatusCode);
        // Only the console's own files, and a page only at its own path.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/console/index.html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/console/js/nothing.js")).StatusCode);
        // The pages load nothing from elsewhere and run no inline code.
        var login = await client.GetAsync("/login");
        Assert.Contains("script-src 'self'", login.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", await login.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_group_with_its_members_ordered_by_keyboard_and_a_location_constraint_are_saved_from_their_forms()
    {
        var (_, version) = await ConfigurationReader.LoadAsync(server.Db.Store);
        await new ConfigurationWriter(server.Db.Store).ChangeAsync(new ChangeConfiguration(version,
            [new DefinePrimitive(Primitive.Create("member-a", "ocf:heartbeat:Dummy")),
             new DefinePrimitive(Primitive.Create("member-b", "ocf:heartbeat:Dummy"))],
            DateTimeOffset.UtcNow, Actor.User("ada"), "two primitives to group"), CommandMetadata.For(Actor.User("ada")));
        var page = await server.NewPageAsync();
        await ConsoleServer.LoginAsync(page, "ada", "/resources");
        await Expect(page.Locator("#group-add option[value=member-b]")).ToBeAttachedAsync();
        await page.FillAsync("#group-id", "console-group");
        foreach (var member in new[] { "member-a", "member-b" })
        {
            await page.SelectOptionAsync("#group-add", member);
            await page.ClickAsync("#group-add-button");
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "move member-b up" }).PressAsync("Enter");
        await Expect(page.Locator("#group-members li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#group-members li").First).ToHaveAttributeAsync("data-member", "member-b");
        await page.ClickAsync("#group-save");
        await Expect(page.Locator("#group-result")).ToContainTextAsync("Saved console-group");

        await page.FillAsync("#location-id", "console-prefers-node1");
        await page.SelectOptionAsync("#location-resource", "console-group");
        await page.SelectOptionAsync("#location-node", "node1");
        await page.ClickAsync("#location-save");
        await Expect(page.Locator("#location-result")).ToContainTextAsync("Saved console-prefers-node1");
        await Expect(page.Locator("#resources tr.group-row[data-resource=console-group]")).ToBeVisibleAsync();

        var (configuration, _) = await ConfigurationReader.LoadAsync(server.Db.Store);
        var group = Assert.IsType<Cib.Domain.Resources.Group>(configuration.Resources["console-group"]);
        Assert.Equal(["member-b", "member-a"], group.Members.ToArray());
        Assert.True(configuration.Constraints.ContainsKey("console-prefers-node1"));
        await ConsoleServer.ScreenshotAsync(page, "resources-group");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_dashboard_says_when_the_live_stream_is_lost_and_when_it_is_back()
    {
        var page = await server.NewPageAsync();
        await ConsoleServer.LoginAsync(page, "ada", "/");
        await Expect(page.Locator("#nodes tr[data-node=node1] .state")).ToHaveTextAsync("online");
        // The API stops (its node restarts): the page says the stream is lost and keeps the last status it had.
        await server.StopApiAsync();
        try
        {
            await Expect(page.Locator("#stream-banner")).ToContainTextAsync("Live status lost");
            await Expect(page.Locator("#nodes tr[data-node=node1] .state")).ToHaveTextAsync("online");
            await ConsoleServer.ScreenshotAsync(page, "dashboard-stream-lost");
        }
        finally
        {
            await server.StartApiAsync();
        }
        // It is back: the page reconnects by itself (the session holds: the keys are in the store) and says so.
        await Expect(page.Locator("#stream-banner")).ToContainTextAsync("Live status is back");
        // And live again: node4 joins, the page shows it.
        await server.Log.AppendAsync(StreamIds.Node("node4"), [new Cib.Domain.Nodes.NodeJoined("node4", "i-node4", "lease", DateTimeOffset.UtcNow)],
            AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1"))));
        await Expect(page.Locator("#nodes tr[data-node=node4] .state")).ToHaveTextAsync("online");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_stale_edit_is_shown_as_a_conflict_and_bad_crm_text_as_errors_at_line_and_column()
    {
        var page = await server.NewPageAsync();
        await ConsoleServer.LoginAsync(page, "ada", "/resources");
        var text = page.Locator("#crm-text");
        await Expect(text).ToHaveValueAsync(new Regex("primitive web"));

        // Errors inline, at line and column; nothing applied.
        var original = await text.InputValueAsync();
        await text.FillAsync(original + "primitive broken ocf:heartbeat:Dummy op monitor interval=\n");
        await page.ClickAsync("#crm-verify");
        await Expect(page.Locator("#crm-errors")).ToContainTextAsync(new Regex("line \\d+, column \\d+"));
        await ConsoleServer.ScreenshotAsync(page, "configuration-errors");

        // Another change lands while this text is open: applying it is refused as a conflict that shows the other change.
        var (_, version) = await ConfigurationReader.LoadAsync(server.Db.Store);
        await new ConfigurationWriter(server.Db.Store).ChangeAsync(new ChangeConfiguration(version, [new SetClusterProperty("stonith-timeout", "77s")],
            DateTimeOffset.UtcNow, Actor.User("ada"), "meanwhile"), CommandMetadata.For(Actor.User("ada")));
        var mine = original + "property cluster-name=mine\n";
        await text.FillAsync(mine);
        await page.ClickAsync("#crm-apply");
        await Expect(page.Locator("#conflict")).ToContainTextAsync("Conflict: nothing was changed");
        await Expect(page.Locator("#crm-result")).ToContainTextAsync("stonith-timeout");
        Assert.Equal(mine, await text.InputValueAsync());
        var (after, _) = await ConfigurationReader.LoadAsync(server.Db.Store);
        Assert.Null(after.Properties.Get("cluster-name"));
        await ConsoleServer.ScreenshotAsync(page, "configuration-conflict");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_failover_timeline_opens_an_incident_with_its_events_and_explanation()
    {
        var page = await server.NewPageAsync();
        await ConsoleServer.LoginAsync(page, "aude", "/history");
        var crash = page.Locator("#timeline button[data-trigger=node-lost]").First;
        await Expect(crash).ToContainTextAsync("node2");
        await Expect(page.Locator("#timeline .bar.fencing").First).ToBeVisibleAsync();
        await Expect(page.Locator("#timeline .bar.recovery").First).ToBeVisibleAsync();
        await crash.ClickAsync();
        await Expect(crash).ToHaveAttributeAsync("aria-expanded", "true");
        var details = page.Locator(".incident:not([hidden])");
        await Expect(details.Locator(".incident-events")).ToContainTextAsync("cib.node_fenced.v1");
        await Expect(details.Locator(".explanation")).ToContainTextAsync("Why transition t10");
        await Expect(page.Locator("#fencing-history")).ToContainTextAsync("ipmi-2");
        await Expect(page.Locator("#changes")).ToContainTextAsync("cli-prefer-web");
        await ConsoleServer.ScreenshotAsync(page, "history");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_replay_slider_moved_to_before_the_crash_shows_the_old_placement()
    {
        var page = await server.NewPageAsync();
        await ConsoleServer.LoginAsync(page, "aude", "/replay");
        var web = page.Locator("#replay-resources tr[data-resource=web] .where");
        await Expect(web).ToHaveTextAsync("node3");
        // The slider, by keyboard: focus it, Home goes to the log's start, then right-arrow to the position before the crash.
        var slider = page.Locator("#position-slider");
        await slider.FocusAsync();
        await slider.PressAsync("Home");
        for (var i = 1; i < server.BeforeCrash; i++) await slider.PressAsync("ArrowRight");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-replayed", server.BeforeCrash.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(web).ToHaveTextAsync("node2");
        await Expect(page.Locator("#replay-nodes tr[data-node=node2] .state")).ToHaveTextAsync("online");
        await Expect(page.Locator("#planned")).ToBeVisibleAsync();
        await ConsoleServer.ScreenshotAsync(page, "replay");

        // What-if on the current state: node1 lost.
        await page.Locator("[data-group='Nodes lost'][value=node1]").CheckAsync();
        await page.ClickAsync("#whatif-run");
        await Expect(page.Locator("#whatif-result")).ToContainTextAsync("node1");
        await ConsoleServer.ScreenshotAsync(page, "replay-what-if");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_operator_sends_commands_but_changes_no_configuration()
    {
        var page = await server.NewPageAsync();
        await ConsoleServer.LoginAsync(page, "otto", "/resources");
        var db = page.Locator("#resources tr[data-resource=db]");
        await Expect(db.Locator(".role")).ToHaveTextAsync("Started");
        await Expect(page.Locator("#crm-text")).ToHaveValueAsync(new Regex("primitive db"));
        foreach (var configurationButton in new[] { "#create-button", "#group-save", "#location-save", "#crm-apply", "#object-save" })
            await Expect(page.Locator(configurationButton)).ToBeDisabledAsync();
        await db.GetByRole(AriaRole.Button, new() { Name = "cleanup db" }).ClickAsync();
        await Expect(page.Locator("#messages")).ToContainTextAsync("cleanup db: done");

        var status = await page.EvaluateAsync<int>("""
            async () => (await fetch('/api/v1/configuration/objects/forged', { method: 'PUT', body: 'primitive forged ocf:heartbeat:Dummy',
              headers: { 'Content-Type': 'text/plain', 'X-CSRF-TOKEN': document.querySelector('meta[name="ha-csrf"]').content } })).status
            """);
        Assert.Equal(403, status);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_auditor_sees_everything_with_no_enabled_command_and_a_forged_command_gets_403()
    {
        var page = await server.NewPageAsync();
        await ConsoleServer.LoginAsync(page, "aude", "/resources");
        await Expect(page.Locator("#resources tr[data-resource=web] .where")).ToHaveTextAsync("node3");
        await Expect(page.Locator("#read-only")).ToBeVisibleAsync();
        await Expect(page.Locator("#crm-text")).ToHaveValueAsync(new Regex("primitive web"));
        Assert.True(await page.Locator("button.command").CountAsync() > 5);
        Assert.Equal(0, await page.Locator("button.command:enabled").CountAsync());
        await ConsoleServer.ScreenshotAsync(page, "resources-auditor");

        // The buttons are only the page's courtesy: the server refuses the command from an auditor's session, with the
        // page's own antiforgery token (403 forbidden) and without it (403 csrf-token-invalid).
        var answers = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const csrf = document.querySelector('meta[name="ha-csrf"]').content;
              const withToken = await fetch('/api/v1/resources/web/stop', { method: 'POST', headers: { 'X-CSRF-TOKEN': csrf } });
              const without = await fetch('/api/v1/resources/web/stop', { method: 'POST' });
              return [[withToken.status, (await withToken.json()).code], [without.status, (await without.json()).code]];
            }
            """);
        Assert.Equal(403, answers[0][0].GetInt32());
        Assert.Equal("forbidden", answers[0][1].GetString());
        Assert.Equal(403, answers[1][0].GetInt32());
        Assert.Equal("csrf-token-invalid", answers[1][1].GetString());

        await page.GotoAsync("/");
        await Expect(page.Locator("#nodes tr[data-node=node1] .state")).ToHaveTextAsync("online");
        Assert.Equal(0, await page.Locator("button.command:enabled").CountAsync());
        await ConsoleServer.ScreenshotAsync(page, "dashboard-auditor");
        await page.Context.CloseAsync();
    }
}
