using System.CommandLine;
using Cib.Interop.Crm;

namespace HaCtl;

public static class ConfigureCommands
{
    public static Command Create() => new("configure", "the crm configuration language in and out")
    {
        Parse(), ExportCib(), ImportCibCommand(), Show(), Load(),
    };

    private static Command Parse()
    {
        var file = new Argument<string>("FILE") { Description = "a crm configuration file" };
        var command = new Command("parse", "check a crm configuration file: print its canonical form, or its errors as FILE:LINE:COL") { file };
        command.SetBody((parse, stdout, stderr) => Configure.ParseAsync(parse.GetValue(file)!, stdout, stderr));
        return command;
    }

    private static Command ExportCib()
    {
        var file = new Argument<string?>("FILE") { Description = "a crm file; without it, the stored configuration", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("export-cib", "Pacemaker CIB XML of a crm file, or of the stored configuration when no FILE is given") { file };
        command.SetBody((parse, stdout, stderr) => Configure.ExportCibAsync(parse.GetValue(file), stdout, stderr, Store.ConnectionStringOrNull()));
        return command;
    }

    private static Command ImportCibCommand()
    {
        var file = new Argument<string>("FILE.xml") { Description = "a Pacemaker CIB (cibadmin --query)" };
        var load = new Option<bool>("--load") { Description = "replace the stored configuration with the imported one" };
        var command = new Command("import-cib", "a Pacemaker CIB as canonical crm text plus a status summary; --load replaces the stored configuration")
        {
            file, load,
        };
        command.SetBody((parse, stdout, stderr) => ImportCib.RunAsync(parse.GetValue(file)!, parse.GetValue(load), stdout, stderr));
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", "the stored configuration as canonical crm text, with its version");
        command.SetBody((_, stdout, _) => Configure.ShowAsync(stdout, Store.ConnectionString()));
        return command;
    }

    private static Command Load()
    {
        var mode = new Argument<string>("MODE") { Description = "replace: the file is the whole configuration; update: the file's objects are added or changed" };
        mode.AcceptOnlyFromAmong("replace", "update");
        var file = new Argument<string>("FILE") { Description = "a crm configuration file" };
        var expected = new Option<long?>("--expected-version")
        {
            Description = "refuse the change unless the stored configuration is at this version", HelpName = "N",
        };
        expected.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long?>() is < 0) r.AddError("--expected-version takes a version (0 or more)");
        });
        var command = new Command("load", "load a crm file into the store as one atomic change") { mode, file, expected };
        command.SetBody((parse, stdout, stderr) => Configure.LoadAsync(
            parse.GetValue(mode) == "replace" ? LoadMode.Replace : LoadMode.Update, parse.GetValue(file)!, parse.GetValue(expected),
            stdout, stderr, Store.ConnectionString()));
        return command;
    }
}
