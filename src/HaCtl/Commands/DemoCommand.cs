using System.CommandLine;

namespace HaCtl;

public static class DemoCommand
{
    public static Command Create()
    {
        var example = new Option<string>("--example")
        {
            Description = "the crm file to load into an empty store", HelpName = "FILE", DefaultValueFactory = _ => Demo.DefaultExample,
        };
        var command = new Command("demo", "load the example configuration into the store, print it and its history") { example };
        command.SetBody((parse, stdout, stderr) => Demo.RunAsync(parse.GetValue(example)!, stdout, stderr));
        return command;
    }
}
