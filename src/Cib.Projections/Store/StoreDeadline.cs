namespace Cib.Projections.Store;

/// <summary>
/// A hard deadline for a call to the store. Cancellation alone does not bound a call on a dead link: Npgsql answers
/// a cancelled command by sending the server a cancel request, over a link that carries nothing, and the socket
/// waits for TCP to give up. Here the caller gets its answer at the deadline whatever the call is doing: the call is
/// cancelled (so the driver tears it down when it can) and abandoned, and the caller sees a
/// <see cref="TimeoutException"/>, the same as any other failed store call. An abandoned call may still reach the
/// store later (its bytes are already in the socket): callers treat a timeout as "unknown", never as "did not happen".
/// </summary>
public static class StoreDeadline
{
    public static async Task RunAsync(Func<CancellationToken, Task> call, TimeSpan limit, TimeProvider time, CancellationToken ct = default) =>
        await RunAsync(async c => { await call(c); return true; }, limit, time, ct);

    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan limit, TimeProvider time, CancellationToken ct = default)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<T> task;
        try
        {
            task = call(cts.Token);
        }
        catch
        {
            cts.Dispose();
            throw;
        }
        try
        {
            var result = await task.WaitAsync(limit, time, ct);
            cts.Dispose();
            return result;
        }
        catch (Exception e) when (e is TimeoutException || ct.IsCancellationRequested)
        {
            // Tear the call down and let it end in the background; its outcome is observed so it is never "unobserved".
            await cts.CancelAsync();
            _ = task.ContinueWith(static (t, state) => { _ = t.Exception; ((CancellationTokenSource)state!).Dispose(); }, cts,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (e is TimeoutException) throw new TimeoutException($"the store did not answer within {limit.TotalMilliseconds:F0} ms");
            throw;
        }
        catch
        {
            cts.Dispose();
            throw;
        }
    }
}
