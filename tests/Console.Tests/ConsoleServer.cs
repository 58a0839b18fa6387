using System.Net;
using System.Net.Sockets;
using Audit.Api;
using Cib.Domain.Nodes;
using Cib.Domain.Primitives;
using Cib.Domain.Users;
using Cib.Projections.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;
using TestSupport;
using Xunit;

namespace Console.Tests;

/// <summary>
/// The real API program (its host configuration and routes) on a real Kestrel port on the loopback, on a scratch database
/// with one user per role and what <see cref="SeedAsync"/> puts there; and Debian's chromium, headless, driven by
/// Playwright (never a downloaded browser).
/// </summary>
public abstract class ConsoleFixture : IAsyncLifetime
{
    public const string Password = "correct horse battery";
    public const string Chromium = "/usr/bin/chromium";

    private WebApplication? _app;
    private int _port;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("ha-console-test-").FullName;

    public TestDatabase Db { get; private set; } = null!;
    public CibEventLog Log { get; private set; } = null!;
    public string Url { get; private set; } = "";

    /// <summary>Where each page's screenshot goes: under the test output.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateWithSchemaAsync("console");
        Log = new CibEventLog(Db.DataSource);
        var users = new UserStore(Db.Store);
        var bootstrap = CommandMetadata.For(Actor.System("test"));
        await users.ChangeAsync(new AddUser("ada", UserRole.Admin), Password, bootstrap);
        await users.ChangeAsync(new AddUser("aude", UserRole.Auditor), Password, bootstrap);
        await users.ChangeAsync(new AddUser("otto", UserRole.Operator), Password, bootstrap);

        await SeedAsync();

        _port = FreePort();
        await StartApiAsync();
        Url = $"http://localhost:{_port}";

        Directory.CreateDirectory(Screenshots);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        Assertions.SetDefaultExpectTimeout(20_000);
    }

    /// <summary>What the cluster holds before the API starts (and what runs beside it).</summary>
    protected abstract Task SeedAsync();

    /// <summary>Stops what <see cref="SeedAsync"/> started, before the database goes.</summary>
    protected virtual Task StopSeededAsync() => Task.CompletedTask;

    /// <summary>The API program on its port: its host configuration and routes, as Program.cs runs them.</summary>
    public async Task StartApiAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Connection"] = Db.ConnectionString, ["Api:DataDir"] = _dataDir, ["Api:Port"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Api:Listen"] = "http-loopback", ["Api:LoginsPerMinute"] = "1000",
        });
        ApiHost.Configure(builder);
        _app = builder.Build();
        ApiHost.Map(_app);
        await _app.StartAsync();
    }

    /// <summary>Stops the API (as a restart or a crash of its node would): its streams end, its port refuses.</summary>
    public async Task StopApiAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    /// <summary>A fresh browser context (its own cookies) on a laptop-sized screen.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Url, ViewportSize = new ViewportSize { Width = 1366, Height = 768 }, Locale = "en-GB", TimezoneId = "UTC",
        });
        return await context.NewPageAsync();
    }

    /// <summary>Logs in through the login page and waits for the page asked for.</summary>
    public static async Task LoginAsync(IPage page, string user, string path = "/")
    {
        await page.GotoAsync(path);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
        await page.FillAsync("#name", user);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(u => !u.Contains("/login", StringComparison.Ordinal));
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    /// <summary>A node's result, appended through the one write path with the node as actor, as a node runtime appends it.</summary>
    public Task NodeReportsAsync(string node, object e, string stream) =>
        Log.AppendAsync(stream, [e], AppendMetadata.Stamp(CommandMetadata.For(Actor.Node(node))));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        await StopSeededAsync();
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Db is not null) await Db.DisposeAsync();
        Directory.Delete(_dataDir, true);
    }
}

/// <summary>
/// The console on a scratch database holding the failover incidents of <see cref="IncidentScenario"/> (three nodes,
/// web/db/app, a node crash with fencing and recovery, a monitor failure, an operator's fence, an admin move): no
/// controller and no node runtime run; what nodes do is appended as a node appends it.
/// </summary>
public sealed class ConsoleServer : ConsoleFixture
{
    /// <summary>The log's head after the set-up, before node2 crashed: web ran on node2.</summary>
    public long BeforeCrash { get; private set; }

    protected override async Task SeedAsync()
    {
        var scenario = new IncidentScenario(Db);
        foreach (var node in new[] { "node1", "node2", "node3" })
            await Log.AppendAsync(StreamIds.Node(node), [new NodeJoined(node, $"i-{node}", "lease", IncidentScenario.T0.AddSeconds(-30))],
                AppendMetadata.Stamp(CommandMetadata.For(Actor.Controller("node1"))));
        await scenario.SetUpAsync();
        BeforeCrash = await Log.HeadAsync();
        foreach (var step in scenario.Steps.Skip(1)) await step();
    }
}
