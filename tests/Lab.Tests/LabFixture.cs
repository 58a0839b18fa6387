namespace Lab.Tests;

/// <summary>A 2-node lab for the tests of one collection: `./ha lab up 2` before, `./ha lab down` after.</summary>
public sealed class LabFixture : IAsyncLifetime
{
    public LabSupport.Lab Lab { get; } = new();

    public async Task InitializeAsync()
    {
        // These tests drive agents by hand: the nodes run no node runtime that could act on its own.
        if (LabSupport.Lab.IsRoot) await Lab.UpAsync(2, boot: "exec sleep infinity");
    }

    public async Task DisposeAsync()
    {
        if (LabSupport.Lab.IsRoot) await Lab.DownAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
    public const string Name = "a 2-node lab";
}
