global using LabSupport;
global using Xunit;
global using Xunit.Abstractions;

// One lab per machine: its namespaces, bridge and ports have fixed names.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
