namespace HaCtl;

public static class Store
{
    /// <summary>The store's connection string: HA_CONNECTION (./ha sets it to the embedded store).</summary>
    public static string ConnectionString() =>
        Environment.GetEnvironmentVariable("HA_CONNECTION") is { Length: > 0 } cs
            ? cs
            : throw new UsageException("no store: set HA_CONNECTION, or run through ./ha hactl which uses the embedded store");

    /// <summary>HA_CONNECTION when set, else null (commands that also work offline).</summary>
    public static string? ConnectionStringOrNull() =>
        Environment.GetEnvironmentVariable("HA_CONNECTION") is { Length: > 0 } cs ? cs : null;
}
