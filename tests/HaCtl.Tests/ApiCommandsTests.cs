using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Cib.Domain.Configuration;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Users;
using Cib.Projections.Store;
using TestSupport;
using Xunit;

namespace HaCtl.Tests;

/// <summary>
/// hactl against a running API: the real Audit.Api program on a free port with its generated certificate, on a fresh
/// database. Login pins the certificate, the token is kept owner-only, and commands act as the logged-in user.
/// </summary>
[Collection(nameof(ApiCommandsTests))]
public sealed partial class ApiCommandsTests : IAsyncLifetime
{
    private const string Password = "correct horse battery";
    private TestDatabase _db = null!;
    private Process _api = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("hactl-api-").FullName;
    private string _url = "";
    private string _fingerprint = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateWithSchemaAsync("hactlapi");
        var users = new UserStore(_db.Store);
        await users.ChangeAsync(new AddUser("ada", UserRole.Admin), Password, CommandMetadata.For(Actor.System("test")));
        await users.ChangeAsync(new AddUser("aude", UserRole.Auditor), Password, CommandMetadata.For(Actor.System("test")));
        await new ConfigurationWriter(_db.Store).ChangeAsync(new ChangeConfiguration(0, [
            new DefineNode("node1"), new DefinePrimitive(Primitive.Create("vip", "ocf:heartbeat:IPaddr2")), new DefineGroup(Cib.Domain.Resources.Group.Create("site", "vip")),
        ], DateTimeOffset.UtcNow, Actor.User("ada")), CommandMetadata.For(Actor.User("ada")));

        var binary = Path.Combine(Repo.Root, "src", "Audit.Api", "bin", "Release", "net10.0", "Audit.Api");
        Assert.True(File.Exists(binary), $"{binary} is built by ./ha test before the tests run");
        var port = FreePort();
        _url = $"https://127.0.0.1:{port}";
        var start = new ProcessStartInfo(binary, [$"--Api:Port={port}", $"--Api:DataDir={_dir}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["HA_CONNECTION"] = _db.ConnectionString;
        _api = Process.Start(start)!;
        // The API says where it listens and its certificate's fingerprint, then answers.
        var started = DateTime.UtcNow;
        while (_fingerprint.Length == 0 && DateTime.UtcNow - started < TimeSpan.FromSeconds(60))
        {
            var line = await _api.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the API ended: " + await _api.StandardError.ReadToEndAsync());
            if (Fingerprint().Match(line) is { Success: true } m) _fingerprint = m.Groups[1].Value;
        }
        _ = _api.StandardOutput.ReadToEndAsync();
        // Listening comes after the certificate is loaded: wait until it answers (this probe trusts the certificate it pinned above).
        using var probe = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, c, _, _) => c is not null && HaCtl.Api.ApiSession.FingerprintOf(c) == _fingerprint,
        });
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await probe.GetAsync($"{_url}/healthz")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
        }
        Environment.SetEnvironmentVariable("HA_HACTL_CONFIG", Path.Combine(_dir, "hactl.json"));
        Environment.SetEnvironmentVariable("HA_URL", null);
    }

    public async Task DisposeAsync()
    {
        _api.Kill(entireProcessTree: true);
        await _api.WaitForExitAsync();
        Environment.SetEnvironmentVariable("HA_HACTL_CONFIG", null);
        await _db.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    private static async Task<(int Code, string Out, string Err)> HactlAsync(string? stdin, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var before = Console.In;
        if (stdin is not null) Console.SetIn(new StringReader(stdin + "\n"));
        try
        {
            return (await Cli.RunAsync(args, stdout, stderr), stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetIn(before);
        }
    }

    [Fact]
    public async Task An_operator_logs_in_pinning_the_certificate_and_runs_crms_commands_as_themself()
    {
        // The generated certificate is not trusted by the system: login says so, with the fingerprint to check.
        var refused = await HactlAsync(Password, "login", "--url", _url, "--user", "ada");
        Assert.Equal(1, refused.Code);
        Assert.Contains(_fingerprint, refused.Err);

        var login = await HactlAsync(Password, "login", "--url", _url, "--user", "ada", "--fingerprint", _fingerprint);
        Assert.True(login.Code == 0, login.Err);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "hactl.json")));

        var status = await HactlAsync(null, "status");
        Assert.True(status.Code == 0, status.Err);
        Assert.Contains("* Resource Group: site:", status.Out);

        var stop = await HactlAsync(null, "resource", "stop", "site", "--idempotency-key", "stop-site-1");
        Assert.True(stop.Code == 0, stop.Err);
        Assert.Contains("1 event appended", stop.Out);
        var again = await HactlAsync(null, "resource", "stop", "site", "--idempotency-key", "stop-site-1");
        Assert.Contains("a repeat", again.Out);
        Assert.Equal("Stopped", (await ConfigurationReader.LoadAsync(_db.Store)).State.Resources["site"].MetaValue(MetaAttributes.TargetRole));
        var appended = (await _db.Store.QuerySession().Events.FetchStreamAsync(StreamIds.Configuration)).Last();
        Assert.Equal("user:ada", appended.UserName);

        // Users, as an admin through the API.
        Assert.Equal(0, (await HactlAsync(Password, "user", "add", "zed", "--role", "operator")).Code);
        Assert.Contains("zed\toperator", (await HactlAsync(null, "user", "list")).Out);
        Assert.Equal(0, (await HactlAsync(null, "user", "role", "zed", "auditor")).Code);
        Assert.Equal(0, (await HactlAsync(Password + "!", "user", "passwd", "zed")).Code);
        Assert.Contains("zed\tauditor", (await HactlAsync(null, "user", "list")).Out);
        Assert.Equal(0, (await HactlAsync(null, "user", "remove", "zed")).Code);
        var last = await HactlAsync(null, "user", "remove", "ada");
        Assert.Equal(1, last.Code);
        Assert.Contains("last-admin", last.Err);

        var unknown = await HactlAsync(null, "resource", "start", "nothing");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("HTTP 404", unknown.Err);
    }

    [Fact]
    public async Task An_auditor_reads_but_may_not_command_and_a_wrong_password_is_refused()
    {
        var wrong = await HactlAsync("not the password", "login", "--url", _url, "--user", "aude", "--fingerprint", _fingerprint);
        Assert.Equal(1, wrong.Code);
        Assert.Contains("login-failed", wrong.Err);

        Assert.Equal(0, (await HactlAsync(Password, "login", "--url", _url, "--user", "aude", "--fingerprint", _fingerprint)).Code);
        Assert.Equal(0, (await HactlAsync(null, "status", "--json")).Code);
        var forbidden = await HactlAsync(null, "node", "standby", "node1");
        Assert.Equal(1, forbidden.Code);
        Assert.Contains("HTTP 403", forbidden.Err);

        Assert.Equal(0, (await HactlAsync(null, "logout")).Code);
        Assert.Equal(2, (await HactlAsync(null, "status")).Code);
    }

    [Fact]
    public async Task An_auditor_reads_the_history_and_the_log_through_the_api()
    {
        var end = await new Cib.Projections.ReadModels.History.HistoryQueries(_db.DataSource).LogPositionAsync();
        await new Cib.Projections.ReadModels.History.StoredHistory(_db.DataSource).CatchUpAsync(end);
        Assert.Equal(0, (await HactlAsync(Password, "login", "--url", _url, "--user", "aude", "--fingerprint", _fingerprint)).Code);

        var table = await HactlAsync(null, "history", "changes", "--actor", "ada");
        Assert.True(table.Code == 0, table.Err);
        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("at ", lines[0], StringComparison.Ordinal);
        Assert.Contains("user:ada", lines[1]);
        Assert.Contains("+ node node1", lines[1]);
        Assert.Contains($"as of log position {end}", table.Out);

        var json = await HactlAsync(null, "history", "changes", "--format", "json", "--since", "2020-01-01T00:00:00Z");
        Assert.Equal(0, json.Code);
        using (var page = System.Text.Json.JsonDocument.Parse(json.Out))
            Assert.Equal("user:ada", Assert.Single(page.RootElement.GetProperty("items").EnumerateArray()).GetProperty("actor").GetString());

        var csv = await HactlAsync(null, "history", "events", "--type", "NodeDefined", "--format", "csv");
        Assert.Equal(0, csv.Code);
        var rows = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("seq,", rows[0], StringComparison.Ordinal);
        Assert.Equal(2, rows.Length);
        Assert.Contains("cib.node_defined.v1", rows[1]);

        // Paged: one row, and where the next page starts.
        var one = await HactlAsync(null, "history", "events", "--limit", "1");
        Assert.Equal(0, one.Code);
        Assert.Contains("(more: --after ", one.Err);

        var log = await HactlAsync(null, "log", "--stream", "config");
        Assert.True(log.Code == 0, log.Err);
        Assert.Equal(3, log.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("user:ada", log.Out);
        Assert.Contains("NodeDefined", log.Out);

        // Failover incidents: none in this log, as a table, JSON and CSV.
        var failovers = await HactlAsync(null, "history", "failovers", "--resource", "web", "--since", "7d");
        Assert.True(failovers.Code == 0, failovers.Err);
        Assert.StartsWith("detectedAt ", failovers.Out, StringComparison.Ordinal);
        Assert.Contains("(none)", failovers.Out);
        var failoversJson = await HactlAsync(null, "history", "failovers", "--format", "json", "--until", "2099-01-01T00:00:00Z");
        Assert.Equal(0, failoversJson.Code);
        using (var page = System.Text.Json.JsonDocument.Parse(failoversJson.Out))
            Assert.Empty(page.RootElement.GetProperty("items").EnumerateArray());
        var failoversCsv = await HactlAsync(null, "history", "failovers", "--format", "csv");
        Assert.Equal(0, failoversCsv.Code);
        Assert.StartsWith("detectedAt,trigger,subject,", failoversCsv.Out, StringComparison.Ordinal);

        Assert.Equal(2, (await HactlAsync(null, "history", "fencing", "--since", "yesterday")).Code);
        Assert.Equal(2, (await HactlAsync(null, "history", "fencing", "--format", "xml")).Code);
    }

    [Fact]
    public async Task An_admin_configures_through_the_api_and_an_edit_overtaken_by_another_is_shown_not_applied()
    {
        Assert.Equal(0, (await HactlAsync(Password, "login", "--url", _url, "--user", "ada", "--fingerprint", _fingerprint)).Code);
        var shown = await HactlAsync(null, "configure", "show");
        Assert.True(shown.Code == 0, shown.Err);
        Assert.StartsWith("# configuration version ", shown.Out);
        Assert.Contains("group site vip", shown.Out);

        // A file with a mistake: line and column, nothing applied; verify says what a good one would do.
        var bad = Path.Combine(_dir, "bad.crm");
        await File.WriteAllTextAsync(bad, "node node1\nprimitive vip ocf:heartbeat:IPaddr2\nprimitive db\n");
        var refused = await HactlAsync(null, "configure", "load", "update", bad);
        Assert.Equal(1, refused.Code);
        Assert.Contains($"{bad}:3:", refused.Err);
        var good = Path.Combine(_dir, "good.crm");
        await File.WriteAllTextAsync(good, "primitive db ocf:heartbeat:Dummy\n");
        var verified = await HactlAsync(null, "configure", "verify", good);
        Assert.True(verified.Code == 0, verified.Err);
        Assert.Contains("valid", verified.Out);
        var loaded = await HactlAsync(null, "configure", "load", "update", good);
        Assert.True(loaded.Code == 0, loaded.Err);
        Assert.Contains("db", (await ConfigurationReader.LoadAsync(_db.Store)).State.Resources.Keys);

        Assert.Equal(0, (await HactlAsync(null, "configure", "property", "no-quorum-policy=freeze")).Code);
        Assert.Equal("freeze", (await ConfigurationReader.LoadAsync(_db.Store)).State.Properties.Get("no-quorum-policy"));
        Assert.Equal(0, (await HactlAsync(null, "configure", "rsc-defaults", "resource-stickiness=100")).Code);
        Assert.Equal("100", (await ConfigurationReader.LoadAsync(_db.Store)).State.ResourceDefaults.Get("resource-stickiness"));

        // edit: a scripted editor changes the text; it is applied based on the version it was read at.
        var editor = Path.Combine(_dir, "editor.sh");
        await File.WriteAllTextAsync(editor, "#!/bin/sh\nsed -i 's/^primitive db ocf:heartbeat:Dummy$/primitive db ocf:heartbeat:Dummy meta target-role=Stopped/' \"$1\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("EDITOR", editor);
        try
        {
            var edited = await HactlAsync(null, "configure", "edit");
            Assert.True(edited.Code == 0, edited.Out + edited.Err);
            Assert.Equal("Stopped", (await ConfigurationReader.LoadAsync(_db.Store)).State.Resources["db"].MetaValue(MetaAttributes.TargetRole));

            // Another admin's change lands while this editor is open: the edit is refused and the other change shown.
            await File.WriteAllTextAsync(editor, $"#!/bin/sh\n\"{Path.Combine(AppContext.BaseDirectory, "hactl")}\" configure property stonith-timeout=90s >/dev/null\n"
                + "sed -i 's/target-role=Stopped/target-role=Started/' \"$1\"\n");
            var conflicted = await HactlAsync(null, "configure", "edit");
            Assert.Equal(1, conflicted.Code);
            Assert.Contains("your edit was not applied", conflicted.Err);
            Assert.Contains("stonith-timeout", conflicted.Err);
            var state = (await ConfigurationReader.LoadAsync(_db.Store)).State;
            Assert.Equal(("90s", "Stopped"), (state.Properties.Get("stonith-timeout"), state.Resources["db"].MetaValue(MetaAttributes.TargetRole)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDITOR", null);
        }

        Assert.Equal(0, (await HactlAsync(null, "configure", "delete", "db")).Code);
        Assert.DoesNotContain("db", (await ConfigurationReader.LoadAsync(_db.Store)).State.Resources.Keys);
    }

    [Fact]
    public async Task An_auditor_replays_explains_and_simulates_and_nothing_is_appended()
    {
        var log = new CibEventLog(_db.DataSource);
        var meta = AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1")));
        await log.AppendAsync(StreamIds.Node("node1"), [new NodeJoined("node1", "i1", "lease", DateTimeOffset.UtcNow)], meta);
        var (status, position) = await Cib.Projections.ReadModels.ClusterStatus.StatusView.CurrentStatusAsync(
            new Cib.Projections.ReadModels.ClusterStatus.StoredStatus(_db.DataSource), log);
        var (configuration, _) = await ConfigurationReader.LoadAsync(log);
        var planned = Cib.Projections.Planning.TransitionPlanner.Plan(configuration, status, position, DateTimeOffset.UtcNow);
        await log.AppendAsync(StreamIds.Transition(planned.TransitionId), [planned], meta);
        var head = await log.HeadAsync();

        Assert.Equal(0, (await HactlAsync(Password, "login", "--url", _url, "--user", "aude", "--fingerprint", _fingerprint)).Code);
        var then = await HactlAsync(null, "replay", "--at", "1");
        Assert.True(then.Code == 0, then.Err);
        Assert.Contains("Node List:", then.Out);
        var explained = await HactlAsync(null, "explain", planned.TransitionId);
        Assert.True(explained.Code == 0, explained.Err);
        Assert.Contains("replayed from its inputs: the same transition", explained.Out);
        Assert.Contains("placement (score per node, * = chosen):", explained.Out);
        var simulated = await HactlAsync(null, "simulate", "--node-lost", "node1");
        Assert.True(simulated.Code == 0, simulated.Err);
        Assert.Contains("what-if as of log position", simulated.Out);
        Assert.Contains("node1 lost", simulated.Out);
        var report = Path.Combine(_dir, "report.md");
        var written = await HactlAsync(null, "report", "-o", report);
        Assert.True(written.Code == 0, written.Err);
        Assert.Contains($"### {planned.TransitionId}:", await File.ReadAllTextAsync(report));
        var check = await HactlAsync(null, "replay", "--check");
        Assert.True(check.Code == 0, check.Out + check.Err);
        Assert.Equal(head, await log.HeadAsync());
        var unknown = await HactlAsync(null, "explain", "t-nothing");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("unknown-transition", unknown.Err);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("SHA-256 ([0-9A-F:]{95})")]
    private static partial Regex Fingerprint();
}
