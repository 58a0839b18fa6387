using NodeRuntime;

// ha-node: the node runtime. Commands: serve (the resident process), agent (meta-data, list,
// validate), run (one action through the executor), bench (action and fencing latencies).
// Agents, SSH sessions and the store run side by side on two cores: start with enough pool threads that a
// blocking library call never delays a dispatched action by the pool's slow thread injection.
ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount * 8), Math.Max(32, Environment.ProcessorCount * 8));
return await Cli.RunAsync(args);
