using System.CommandLine;
using Cib.Interop.Crm;

namespace HaCtl;

public static class ConfigureCommands
{
    public static Command Create() => new("configure", "the crm configuration language in and out")
    {
        Parse(), ExportCib(), ImportCibCommand(), Show(), Load(), Verify(), Edit(),
        Value("property", "properties", "a cluster property"), Value("rsc-defaults", "rsc-defaults", "a resource default"),
        Value("op-defaults", "op-defaults", "an operation default"), Delete(),
    };

    /// <summary>The store directly (HA_CONNECTION), for the store host's own tooling before any API runs; else the API.</summary>
    private static readonly Option<bool> StoreOption = new("--store")
    {
        Description = "read and write the store directly (HA_CONNECTION) instead of the API: for the store host's own tooling",
    };

    private static Command Verify()
    {
        var file = new Argument<string?>("FILE") { Description = "a crm file to check against the stored configuration; without it, the stored configuration", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("verify", "check a crm file (or the stored configuration) through the API: errors as FILE:LINE:COL, the changes, and what the cluster would do; nothing is applied")
        {
            file, Api.ApiCommands.Json,
        };
        command.SetBody((parse, stdout, stderr) => Api.ConfigureApi.VerifyAsync(parse.GetValue(file), parse.GetValue(Api.ApiCommands.Json), stdout, stderr));
        return command;
    }

    private static Command Edit()
    {
        var command = new Command("edit", "edit the configuration's crm text in $EDITOR and apply it, based on the version you started from (a conflict shows the other change instead of overwriting it)")
        {
            Api.ApiCommands.Json,
        };
        command.SetBody((parse, stdout, stderr) => Api.ConfigureApi.EditAsync(parse.GetValue(Api.ApiCommands.Json), stdout, stderr));
        return command;
    }

    private static Command Value(string verb, string path, string what)
    {
        var assignment = new Argument<string>("NAME=VALUE") { Description = $"{what} and its value (with --delete: the NAME)" };
        var delete = new Option<bool>("--delete") { Description = $"remove {what}" };
        var command = new Command(verb, $"set (or --delete) {what} through the API") { assignment, delete, Api.ApiCommands.Key, Api.ApiCommands.Json };
        command.SetBody((parse, stdout, _) => Api.ConfigureApi.SetValueAsync(parse, path, parse.GetValue(assignment)!, parse.GetValue(delete), stdout));
        return command;
    }

    private static Command Delete()
    {
        var id = new Argument<string>("ID") { Description = "a resource, constraint or node" };
        var command = new Command("delete", "delete one object from the configuration through the API") { id, Api.ApiCommands.Key, Api.ApiCommands.Json };
        command.SetBody((parse, stdout, _) => Api.ConfigureApi.DeleteAsync(parse, parse.GetValue(id)!, stdout));
        return command;
    }

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
        var command = new Command("show", "the configuration as canonical crm text, with its version (through the API; --store: from the store)")
        {
            StoreOption, Api.ApiCommands.Json,
        };
        command.SetBody((parse, stdout, _) => parse.GetValue(StoreOption)
            ? Configure.ShowAsync(stdout, Store.ConnectionString())
            : Api.ConfigureApi.ShowAsync(parse.GetValue(Api.ApiCommands.Json), stdout));
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
        var command = new Command("load", "load a crm file as one atomic change (through the API, as an admin; --store: into the store directly)")
        {
            mode, file, expected, StoreOption, Api.ApiCommands.Json,
        };
        command.SetBody((parse, stdout, stderr) => parse.GetValue(StoreOption)
            ? Configure.LoadAsync(parse.GetValue(mode) == "replace" ? LoadMode.Replace : LoadMode.Update, parse.GetValue(file)!, parse.GetValue(expected),
                stdout, stderr, Store.ConnectionString())
            : Api.ConfigureApi.LoadAsync(parse.GetValue(mode)!, parse.GetValue(file)!, parse.GetValue(expected), parse.GetValue(Api.ApiCommands.Json), stdout, stderr));
        return command;
    }
}
