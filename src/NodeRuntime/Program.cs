using NodeRuntime;

// ha-node: the node runtime. Commands: serve (the resident process), agent (meta-data, list,
// validate), run (one action through the executor), bench (action and fencing latencies).
return await Cli.RunAsync(args);
