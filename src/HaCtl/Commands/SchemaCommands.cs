namespace HaCtl;

public static class SchemaCommands
{
    public static IEnumerable<Cli.Command> All =>
    [
        new("schema apply", "", "create or update the store's schema (migrations/ applied in order)", Schema.ApplyAsync),
        new("schema write", "DIR", "write the migration the configured schema needs beyond DIR's files", Schema.WriteAsync),
    ];
}
