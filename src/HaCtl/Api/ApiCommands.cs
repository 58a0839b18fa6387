using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace HaCtl.Api;

/// <summary>
/// The commands that go through the API (as a user with a role, recorded as the actor): <c>login</c>, <c>logout</c>,
/// <c>status</c>, <c>resource ...</c>, <c>node ...</c>, with crm's words.
/// </summary>
public static class ApiCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Login();
        yield return Logout();
        yield return Status();
        yield return Resource();
        yield return Node();
        yield return Stonith();
        yield return ReplayCommands.Replay();
        yield return ReplayCommands.Explain();
        yield return ReplayCommands.Report();
        yield return HistoryCommands.Create();
    }

    private static Command Login()
    {
        var url = new Option<string?>("--url") { Description = "the API, e.g. https://node1:7630 (default: HA_URL, else the last one)", HelpName = "URL" };
        var user = new Option<string>("--user") { Description = "the user name", Required = true, HelpName = "NAME" };
        var fingerprint = new Option<string?>("--fingerprint")
        {
            Description = "the SHA-256 of the API's certificate to trust when the system does not (its generated self-signed one)", HelpName = "SHA256",
        };
        var login = new Command("login", "log in to the API; the password is read from the first line of stdin; the token is kept owner-only") { url, user, fingerprint };
        login.SetBody(async (parse, stdout, stderr) =>
        {
            var known = ApiSession.Load();
            var address = parse.GetValue(url) ?? known?.Url ?? throw new UsageException("name the API: --url https://HOST:7630 (or HA_URL)");
            var pinned = parse.GetValue(fingerprint) ?? (known?.Url == address ? known.Fingerprint : null);
            var password = Console.In.ReadLine() ?? "";
            string? shown = null;
            var session = new ApiSession(address, pinned, null, null);
            using var client = session.Client(f => shown = f);
            HttpResponseMessage response;
            try
            {
                response = await client.PostAsJsonAsync("api/v1/auth/token", new { name = parse.GetValue(user), password });
            }
            catch (HttpRequestException e) when (shown is not null)
            {
                stderr.WriteLine($"hactl login: {address} shows a certificate this system does not trust, SHA-256 {shown}.");
                stderr.WriteLine("Check it on the API's host (the API logs it when it starts), then: hactl login ... --fingerprint " + shown);
                _ = e;
                return 1;
            }
            using var token = JsonDocument.Parse(await ReadAsync(response));
            (session with { Token = token.RootElement.GetProperty("accessToken").GetString(), User = parse.GetValue(user), Fingerprint = pinned }).Save();
            stdout.WriteLine($"logged in to {address} as {parse.GetValue(user)} (token in {ApiSession.FilePath()})");
            return 0;
        });
        return login;
    }

    private static Command Logout()
    {
        var logout = new Command("logout", "end the token at the API (a copy of it is refused from then on, at every node's API) and forget it");
        logout.SetBody(async (_, stdout, stderr) =>
        {
            if (ApiSession.Load() is not { Token: not null } session)
            {
                stdout.WriteLine("not logged in");
                return 0;
            }
            var ended = false;
            try
            {
                using var client = session.Client();
                using var response = await client.DeleteAsync("api/v1/auth/token");
                // 401: the token no longer works anyway (expired, ended, its user removed).
                ended = response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.Unauthorized;
                if (!ended) stderr.WriteLine($"hactl logout: the API did not end the token (HTTP {(int)response.StatusCode}): {await response.Content.ReadAsStringAsync()}");
            }
            catch (HttpRequestException e)
            {
                stderr.WriteLine($"hactl logout: {session.Url} did not answer ({e.Message}); the token is forgotten here but stays valid until it expires");
            }
            (session with { Token = null }).Save();
            stdout.WriteLine(ended ? "logged out (the token is ended)" : "logged out here (the token was not ended at the API)");
            return ended ? 0 : 1;
        });
        return logout;
    }

    private static Command Status()
    {
        var json = new Option<bool>("--json") { Description = "the status as JSON" };
        var watch = new Option<bool>("--watch") { Description = "show it again each time it changes (the API's status stream), until Ctrl-C" };
        var status = new Command("status", "what crm_mon -1 shows, from the API") { json, watch };
        status.SetBody(async (parse, stdout, _) =>
        {
            using var client = LoggedIn().Client();
            var path = "api/v1/status" + (parse.GetValue(json) ? "" : "?format=text");
            if (!parse.GetValue(watch))
            {
                stdout.Write(await ReadAsync(await client.GetAsync(path)));
                if (parse.GetValue(json)) stdout.WriteLine();
                return 0;
            }
            // Each event of the stream says the status changed (its id: the log position); show the new one.
            client.Timeout = Timeout.InfiniteTimeSpan;
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/status/stream");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
            await ApiProblemException.ThrowIfFailedAsync(response);
            using var events = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            try
            {
                while (await events.ReadLineAsync(stop.Token) is { } line)
                {
                    if (!line.StartsWith("id: ", StringComparison.Ordinal)) continue;
                    stdout.WriteLine($"--- {DateTime.Now:HH:mm:ss} log position {line[4..]}");
                    stdout.Write(await ReadAsync(await client.GetAsync(path, stop.Token)));
                    if (parse.GetValue(json)) stdout.WriteLine();
                    stdout.Flush();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            return 0;
        });
        return status;
    }

    private static Command Resource()
    {
        var resource = new Command("resource", "resource commands (operator), with crm's words");
        foreach (var (verb, path, description) in new[]
                 {
                     ("start", "start", "target-role=Started"), ("stop", "stop", "target-role=Stopped"),
                     ("manage", "manage", "is-managed=true"), ("unmanage", "unmanage", "is-managed=false"),
                     ("clear", "clear", "drop the constraints move and ban left"),
                 })
        {
            var id = new Argument<string>("ID") { Description = "the resource (a primitive or a group)" };
            var command = new Command(verb, description) { id, Key, Json };
            command.SetBody((parse, stdout, stderr) => SendAsync(parse, $"api/v1/resources/{Uri.EscapeDataString(parse.GetValue(id)!)}/{path}", null, stdout));
            resource.Subcommands.Add(command);
        }
        {
            var id = new Argument<string?>("ID") { Description = "the resource (without it: every resource that failed)", Arity = ArgumentArity.ZeroOrOne };
            var node = new Option<string?>("--node") { Description = "only on this node", HelpName = "NODE" };
            var cleanup = new Command("cleanup", "forget the resource's failures (a group: each member's; no ID: every resource's), so it is probed again where it failed")
            {
                id, node, Key, Json,
            };
            cleanup.SetBody((parse, stdout, _) => SendAsync(parse,
                (parse.GetValue(id) is { } r ? $"api/v1/resources/{Uri.EscapeDataString(r)}/cleanup" : "api/v1/cluster/cleanup")
                + (parse.GetValue(node) is { } n ? $"?node={Uri.EscapeDataString(n)}" : ""), null, stdout));
            resource.Subcommands.Add(cleanup);
        }
        {
            var id = new Argument<string>("ID") { Description = "the resource" };
            var node = new Option<string?>("--node") { Description = "only on this node", HelpName = "NODE" };
            var refresh = new Command("refresh", "forget the resource's operation history, so that probes find where it runs (a group: each member's)") { id, node, Key, Json };
            refresh.SetBody((parse, stdout, _) => SendAsync(parse, $"api/v1/resources/{Uri.EscapeDataString(parse.GetValue(id)!)}/refresh"
                + (parse.GetValue(node) is { } n ? $"?node={Uri.EscapeDataString(n)}" : ""), null, stdout));
            resource.Subcommands.Add(refresh);
        }
        {
            var id = new Argument<string>("ID") { Description = "the resource" };
            var timeout = new Option<int>("--timeout") { Description = "how long to wait for it to stop, in seconds", DefaultValueFactory = _ => 60, HelpName = "S" };
            timeout.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 600) r.AddError("--timeout is 1 to 600 seconds"); });
            var restart = new Command("restart", "stop it, wait until it runs nowhere, start it again") { id, timeout, Key, Json };
            restart.SetBody((parse, stdout, _) => SendAsync(parse, $"api/v1/resources/{Uri.EscapeDataString(parse.GetValue(id)!)}/restart?timeout={parse.GetValue(timeout)}", null, stdout));
            resource.Subcommands.Add(restart);
        }
        resource.Subcommands.Add(FailCount());
        {
            var id = new Argument<string>("ID") { Description = "the resource" };
            var state = new Argument<string>("on|off") { Description = "on: the cluster leaves it alone (no start, stop or monitor); off: managed again" };
            state.AcceptOnlyFromAmong("on", "off");
            var maintenance = new Command("maintenance", "put the resource in maintenance, or take it out") { id, state, Key, Json };
            maintenance.SetBody((parse, stdout, _) => SendAsync(parse, $"api/v1/resources/{Uri.EscapeDataString(parse.GetValue(id)!)}/maintenance",
                new { enabled = parse.GetValue(state) == "on" }, stdout));
            resource.Subcommands.Add(maintenance);
        }
        foreach (var (verb, description) in new[] { ("move", "prefer NODE (location cli-prefer-ID)"), ("ban", "keep off NODE (location cli-ban-ID-on-NODE)") })
        {
            var id = new Argument<string>("ID") { Description = "the resource" };
            var node = new Argument<string>("NODE") { Description = "the node" };
            var lifetime = new Option<string?>("--lifetime")
            {
                Description = "only for this long (ISO 8601: PT1H, P1D); the constraint then stops applying, until `resource clear` removes it", HelpName = "DURATION",
            };
            var command = new Command(verb, description) { id, node, lifetime, Key, Json };
            command.SetBody((parse, stdout, _) => SendAsync(parse, $"api/v1/resources/{Uri.EscapeDataString(parse.GetValue(id)!)}/{verb}",
                new { node = parse.GetValue(node), lifetime = parse.GetValue(lifetime) }, stdout));
            resource.Subcommands.Add(command);
        }
        return resource;
    }

    /// <summary><c>resource failcount ID show|delete [--node N]</c>.</summary>
    private static Command FailCount()
    {
        var id = new Argument<string>("ID") { Description = "the resource (a group: its members)" };
        var action = new Argument<string>("ACTION") { Description = "show, or delete (the fail counts only; the history stays)" };
        action.AcceptOnlyFromAmong("show", "delete");
        var node = new Option<string?>("--node") { Description = "only on this node", HelpName = "NODE" };
        var command = new Command("failcount", "a resource's fail counts per node: show them, or delete them") { id, action, node, Key, Json };
        command.SetBody(async (parse, stdout, _) =>
        {
            var path = $"api/v1/resources/{Uri.EscapeDataString(parse.GetValue(id)!)}/failcounts" + (parse.GetValue(node) is { } n ? $"?node={Uri.EscapeDataString(n)}" : "");
            if (parse.GetValue(action) == "delete") return await SendAsync(parse, HttpMethod.Delete, path, null, stdout);
            using var client = LoggedIn().Client();
            var text = await ReadAsync(await client.GetAsync(path));
            if (parse.GetValue(Json)) { stdout.WriteLine(text); return 0; }
            using var counts = JsonDocument.Parse(text);
            var rows = counts.RootElement.EnumerateArray()
                .Where(c => parse.GetValue(node) is not { } only || c.GetProperty("node").GetString() == only).ToList();
            if (rows.Count == 0) stdout.WriteLine("no failures");
            foreach (var c in rows)
                stdout.WriteLine($"{c.GetProperty("resource").GetString()} on {c.GetProperty("node").GetString()}: fail-count={c.GetProperty("count").GetInt32()}"
                                 + $" last-failure={c.GetProperty("lastFailure").GetDateTimeOffset():u}");
            return 0;
        });
        return command;
    }

    private static Command Node()
    {
        var node = new Command("node", "node commands (operator), with crm's words");
        foreach (var (verb, description) in new[]
                 {
                     ("standby", "move everything off the node and keep it off"), ("online", "end standby"),
                     ("maintenance", "leave what runs on the node alone"), ("ready", "end maintenance"),
                 })
        {
            var name = new Argument<string>("NODE") { Description = "the node" };
            var command = new Command(verb, description) { name, Key, Json };
            command.SetBody((parse, stdout, _) => SendAsync(parse, $"api/v1/nodes/{Uri.EscapeDataString(parse.GetValue(name)!)}/{verb}", null, stdout));
            node.Subcommands.Add(command);
        }
        node.Subcommands.Add(FenceCommand("fence"));
        return node;
    }

    /// <summary><c>stonith fence NODE</c> (also <c>node fence NODE</c>): the cluster fences it through its devices.</summary>
    private static Command Stonith() => new("stonith", "fencing through the cluster (operator)") { FenceCommand("fence") };

    private static Command FenceCommand(string verb)
    {
        var name = new Argument<string>("NODE") { Description = "the node to fence" };
        var command = new Command(verb, "have the cluster fence the node (an online member), through its fence devices, recorded like any fencing") { name, Key, Json };
        command.SetBody((parse, stdout, _) => SendAsync(parse, $"api/v1/nodes/{Uri.EscapeDataString(parse.GetValue(name)!)}/fence", null, stdout));
        return command;
    }

    public static readonly Option<string?> Key = new("--idempotency-key")
    {
        Description = "name this request: sending it again with the same key is carried out once", HelpName = "KEY",
    };

    public static readonly Option<bool> Json = new("--json") { Description = "the answer as JSON" };

    private static Task<int> SendAsync(ParseResult parse, string path, object? body, TextWriter stdout) =>
        SendAsync(parse, HttpMethod.Post, path, body is null ? null : JsonContent.Create(body), stdout);

    /// <summary>Sends a command (with the request's Idempotency-Key) and prints what it appended and the transition it calls for.</summary>
    public static async Task<int> SendAsync(ParseResult parse, HttpMethod method, string path, HttpContent? content, TextWriter stdout, string? ifMatch = null)
    {
        using var client = LoggedIn().Client();
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (parse.GetValue(Key) is { } key) request.Headers.Add("Idempotency-Key", key);
        var text = await ReadAsync(await client.SendAsync(request));
        if (parse.GetValue(Json)) { stdout.WriteLine(text); return 0; }
        using var answer = JsonDocument.Parse(text);
        var events = answer.RootElement.GetProperty("events").GetArrayLength();
        var version = answer.RootElement.TryGetProperty("configurationVersion", out var v) && v.ValueKind == JsonValueKind.Number ? $", configuration version {v.GetInt64()}" : "";
        var repeated = answer.RootElement.GetProperty("repeated").GetBoolean() ? " (a repeat: the first answer)" : "";
        stdout.WriteLine(events == 0 ? $"no change{version}{repeated}" : $"{events} event{(events == 1 ? "" : "s")} appended{version}{repeated}");
        if (answer.RootElement.TryGetProperty("transition", out var transition) && transition.GetArrayLength() > 0)
        {
            stdout.WriteLine("the cluster now calls for:");
            foreach (var line in transition.EnumerateArray()) stdout.WriteLine("  " + line.GetString());
        }
        return 0;
    }

    /// <summary>The logged-in session (also for other command groups that talk to the API).</summary>
    public static ApiSession LoggedIn() =>
        ApiSession.Load() is { Token: not null } session ? session : throw new UsageException("not logged in: hactl login --url https://HOST:7630 --user NAME");

    /// <summary>The body of a success; a problem answer becomes <see cref="ApiProblemException"/>.</summary>
    public static async Task<string> ReadAsync(HttpResponseMessage response)
    {
        await ApiProblemException.ThrowIfFailedAsync(response);
        return await response.Content.ReadAsStringAsync();
    }
}
