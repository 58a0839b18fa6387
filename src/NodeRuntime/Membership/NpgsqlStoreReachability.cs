using Npgsql;

namespace NodeRuntime.Membership;

/// <summary>The store is reachable when a <c>SELECT 1</c> on it answers within the probe timeout.</summary>
public sealed class NpgsqlStoreReachability(NpgsqlDataSource dataSource, TimeSpan probeTimeout) : IStoreReachability
{
    public async Task<bool> IsReachableAsync(CancellationToken ct = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(probeTimeout);
        try
        {
            await using var cmd = dataSource.CreateCommand("SELECT 1");
            return await cmd.ExecuteScalarAsync(deadline.Token) is 1;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
