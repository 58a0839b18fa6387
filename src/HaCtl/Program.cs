return HaCtl.Cli.Run(args);
