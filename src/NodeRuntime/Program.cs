// The node runtime host: wired up by the node-runtime and control-loop work.
Console.Error.WriteLine("ha-node: not wired yet");
return 2;
