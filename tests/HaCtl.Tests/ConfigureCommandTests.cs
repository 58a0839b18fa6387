using Cib.Interop.Crm;
using TestSupport;
using Xunit;

namespace HaCtl.Tests;

/// <summary>hactl configure parse / export-cib / show / load, offline on files and online on a real PostgreSQL.</summary>
public sealed class ConfigureCommandTests : IAsyncLifetime
{
    private static readonly string ExampleFile = Path.Combine(Repo.Root, "docs", "examples", "apache-cluster.crm");

    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("hactl-configure-").FullName;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateWithSchemaAsync("hactl");

    public async Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        await _db.DisposeAsync();
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_configure_commands_are_registered()
    {
        var words = Cli.CommandPaths();
        Assert.Contains("configure parse", words);
        Assert.Contains("configure export-cib", words);
        Assert.Contains("configure show", words);
        Assert.Contains("configure load", words);
    }

    [Fact]
    public async Task Parse_prints_the_canonical_form()
    {
        var file = WriteFile("messy.crm", "# web\nprimitive ip IPaddr2 params ip=192.0.2.1 \\\n   op monitor interval=10s\nproperty stonith-enabled=false\n");

        Assert.Equal(0, await Cli.RunAsync(["configure", "parse", file], _out, _err));

        Assert.Equal("primitive ip ocf:heartbeat:IPaddr2 \\\n\tparams ip=192.0.2.1 \\\n\top monitor interval=10s\nproperty stonith-enabled=false\n", _out.ToString());
        Assert.Equal("", _err.ToString());
    }

    [Fact]
    public async Task Parse_of_the_example_prints_the_file_itself()
    {
        Assert.Equal(0, await Cli.RunAsync(["configure", "parse", ExampleFile], _out, _err));
        Assert.Equal(File.ReadAllText(ExampleFile), _out.ToString());
    }

    [Fact]
    public async Task Parse_errors_are_file_line_column_and_exit_1()
    {
        var file = WriteFile("bad.crm", "node node1\nlocation l1 ip rule 100: node1\n");

        Assert.Equal(1, await Cli.RunAsync(["configure", "parse", file], _out, _err));

        Assert.StartsWith($"{file}:2:26: only rules on #uname are supported", _err.ToString());
        Assert.Equal("", _out.ToString());
    }

    [Fact]
    public async Task Export_cib_offline_from_a_file()
    {
        Assert.Equal(0, await Cli.RunAsync(["configure", "export-cib", ExampleFile], _out, _err));
        var cib = System.Xml.Linq.XDocument.Parse(_out.ToString()).Root!;
        Assert.Equal("cib", cib.Name.LocalName);
        Assert.Equal(4, cib.Descendants("primitive").Count());
    }

    [Fact]
    public async Task Export_cib_without_file_or_store_is_a_usage_error()
    {
        await Assert.ThrowsAsync<UsageException>(() => Configure.ExportCibAsync(null, _out, _err, connection: null));
    }

    [Fact]
    public async Task Load_replace_then_show_and_export_from_the_store()
    {
        Assert.Equal(0, await Configure.LoadAsync(LoadMode.Replace, ExampleFile, null, _out, _err, _db.ConnectionString));
        Assert.Contains("version 0 -> ", _out.ToString());

        var show = new StringWriter();
        Assert.Equal(0, await Configure.ShowAsync(show, _db.ConnectionString));
        var lines = show.ToString().Split('\n', 2);
        Assert.Matches(@"^# configuration version \d+$", lines[0]);
        Assert.Equal(File.ReadAllText(ExampleFile), lines[1]);

        var xml = new StringWriter();
        Assert.Equal(0, await Configure.ExportCibAsync(null, xml, _err, _db.ConnectionString));
        Assert.Equal(lines[0].Split(' ')[^1], System.Xml.Linq.XDocument.Parse(xml.ToString()).Root!.Attribute("epoch")!.Value);
    }

    [Fact]
    public async Task Load_update_with_a_stale_version_or_a_bad_line_changes_nothing()
    {
        await Configure.LoadAsync(LoadMode.Replace, ExampleFile, null, _out, _err, _db.ConnectionString);
        var update = WriteFile("update.crm", "property maintenance-mode=true\n");

        Assert.Equal(1, await Configure.LoadAsync(LoadMode.Update, update, 0, _out, _err, _db.ConnectionString));
        Assert.Contains("refused: the configuration changed", _err.ToString());

        var bad = WriteFile("bad.crm", "property maintenance-mode=true\nprimitive x\n");
        Assert.Equal(1, await Configure.LoadAsync(LoadMode.Update, bad, null, _out, _err, _db.ConnectionString));
        Assert.Contains($"{bad}:2:", _err.ToString());

        var show = new StringWriter();
        await Configure.ShowAsync(show, _db.ConnectionString);
        Assert.DoesNotContain("maintenance-mode", show.ToString());

        Assert.Equal(0, await Configure.LoadAsync(LoadMode.Update, update, null, _out, _err, _db.ConnectionString));
        show = new StringWriter();
        await Configure.ShowAsync(show, _db.ConnectionString);
        Assert.Contains("maintenance-mode=true", show.ToString());
    }
}
