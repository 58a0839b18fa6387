using System.CommandLine;

namespace HaCtl;

public static class SchemaCommands
{
    public static Command Create()
    {
        var apply = new Command("apply", "create or update the store's schema (migrations/ applied in order)");
        apply.SetBody((_, stdout, _) => Schema.ApplyAsync(stdout));

        var directory = new Argument<string>("DIR") { Description = "the migrations directory" };
        var write = new Command("write", "write the migration the configured schema needs beyond DIR's files") { directory };
        write.SetBody((parse, stdout, _) => Schema.WriteAsync(parse.GetValue(directory)!, stdout));

        return new Command("schema", "the store's schema") { apply, write };
    }
}
