return await HaCtl.Cli.RunAsync(args, Console.Out, Console.Error);
