namespace TestSupport;

/// <summary>Waits for a condition that the system reaches on its own; the limit is a safety net, never the thing tested.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T?>> probe, string what, int limitSeconds = 20) where T : class
    {
        var until = DateTime.UtcNow.AddSeconds(limitSeconds);
        while (DateTime.UtcNow < until)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(25);
        }
        throw new Xunit.Sdk.XunitException($"never happened: {what}");
    }

    public static Task True(Func<Task<bool>> probe, string what, int limitSeconds = 20) =>
        Get<object>(async () => await probe() ? new object() : null, what, limitSeconds);
}
