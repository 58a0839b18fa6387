using TestSupport;
using Xunit;

namespace HaCtl.Tests;

public class ImportCibTests
{
    [Fact]
    public async Task Prints_the_imported_configuration_as_crm_text_and_a_status_summary()
    {
        var file = Path.Combine(Repo.Shared, "conformance", "pacemaker-2.1.5", "xml", "1484.xml");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await Cli.RunAsync(["configure", "import-cib", file], stdout, stderr);
        Assert.Equal(0, code);
        Assert.Contains("primitive the-future-of-vaj ocf:heartbeat:Dummy", stdout.ToString());
        Assert.Contains("# status: 2 node entries", stdout.ToString());
    }

    [Fact]
    public async Task A_file_that_is_not_a_cib_names_line_and_column_and_exits_1()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "not xml at all");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(1, await Cli.RunAsync(["configure", "import-cib", file], stdout, stderr));
        Assert.StartsWith($"{file}:1:1:", stderr.ToString());
        File.Delete(file);
    }
}
