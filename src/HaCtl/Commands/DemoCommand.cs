namespace HaCtl;

public static class DemoCommand
{
    public static IEnumerable<Cli.Command> All =>
    [
        new("demo", "[--example FILE]", "load the example configuration into the store, print it and its history", Demo.RunAsync),
    ];
}
