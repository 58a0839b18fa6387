namespace HaCtl;

public static class ConfigureCommands
{
    public static IEnumerable<Cli.Command> All =>
    [
        new("configure parse", "FILE", "check a crm configuration file: print its canonical form, or its errors as FILE:LINE:COL",
            args => Configure.ParseAsync(args, Console.Out, Console.Error)),
        new("configure export-cib", "[FILE]", "Pacemaker CIB XML of a crm file, or of the stored configuration when no FILE is given",
            args => Configure.ExportCibAsync(args, Console.Out, Console.Error, Store.ConnectionStringOrNull())),
        new("configure import-cib", "FILE.xml [--load]", "a Pacemaker CIB as canonical crm text plus a status summary; --load replaces the stored configuration",
            args => ImportCib.RunAsync(args, Console.Out, Console.Error)),
        new("configure show", "", "the stored configuration as canonical crm text, with its version",
            args => Configure.ShowAsync(args, Console.Out, Store.ConnectionString())),
        new("configure load", "replace|update FILE [--expected-version N]", "load a crm file into the store as one atomic change",
            args => Configure.LoadAsync(args, Console.Out, Console.Error, Store.ConnectionString())),
    ];
}
