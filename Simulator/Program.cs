using OrleansBreaker.Simulator;

// The LinkedIn stand-in: control API under /sim (API.md §4), provider API under /v1.
await SimulatorApp.Build(args).RunAsync();
