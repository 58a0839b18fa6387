using Cib.Domain;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using NodeRuntime.Execution;
using TestSupport;

namespace NodeRuntime.Tests.Execution;

/// <summary>
/// The outbox in front of the real store (decision 0015): what waits goes out together, in order, in one append; an
/// append whose outcome the node never learns is not appended twice, whether it committed before the outbox asked or only
/// after. The store side is the real <see cref="EventLogSink"/> on PostgreSQL; the wrappers only lose answers or hold an
/// append back, as a broken connection or a deadline would.
/// </summary>
public sealed class OutboxEventSinkTests : IAsyncLifetime
{
    private const string Node = "node1";
    private TestDatabase _db = null!;
    private CibEventLog _log = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateWithSchemaAsync("outbox");
        _log = new CibEventLog(_db.DataSource);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static ResourceOperationSucceeded Monitor(string resource, int i) =>
        new(resource, Node, "monitor", 10_000, i % 2 == 0 ? OcfRc.Success : OcfRc.NotRunning, new OperationOrigin(null, null), i, null, null, DateTimeOffset.UnixEpoch);

    /// <summary>The node's reports in the log, in log order: (resource, exec time) names each one.</summary>
    private async Task<List<(string Resource, long Duration)>> StoredAsync() =>
        [.. (await _log.ReadAfterAsync(0, 10_000)).Select(e => (ResourceOperationSucceeded)e.Data).Select(e => (e.Resource, e.DurationMs))];

    [Fact]
    public async Task What_queues_while_an_append_is_on_its_way_goes_out_in_the_next_append_in_order()
    {
        var gate = new GatedStore(new EventLogSink(_log, Node));
        await using var outbox = new OutboxEventSink(gate);
        var queued = new List<(string, long)>();
        for (var i = 0; i < 40; i++)
        {
            var resource = $"r{i % 3}";
            await outbox.AppendAsync(Monitor(resource, i));
            queued.Add((resource, i));
            if (i == 0) await Eventually.True(() => Task.FromResult(gate.Waiting), "the first append is on its way");
        }
        gate.Open();
        await Eventually.True(() => Task.FromResult(outbox.Delivered == 40), "all 40 delivered");

        Assert.Equal(queued, await StoredAsync());
        // The first append carried the first event; the 39 that queued behind it went in one.
        Assert.Equal([1, 39], gate.Sizes);
        Assert.Equal(2, outbox.Appends);
    }

    [Fact]
    public async Task An_append_whose_answer_is_lost_is_not_appended_again()
    {
        var lossy = new LostAnswerStore(new EventLogSink(_log, Node));
        await using var outbox = new OutboxEventSink(lossy);
        outbox.GoOffline(); // only FlushAsync delivers
        for (var i = 0; i < 3; i++) await outbox.AppendAsync(Monitor("a", i));

        Assert.Equal(0, await outbox.FlushAsync());
        Assert.True(outbox.IsOffline);
        Assert.Equal(3, (await StoredAsync()).Count); // it did commit

        await outbox.AppendAsync(Monitor("a", 3));
        Assert.Equal(4, await outbox.FlushAsync());

        Assert.Equal([("a", 0L), ("a", 1L), ("a", 2L), ("a", 3L)], await StoredAsync());
        Assert.Equal(0, outbox.Pending);
    }

    [Fact]
    public async Task An_abandoned_append_that_commits_only_after_the_outbox_asked_is_refused_when_sent_again()
    {
        var late = new LateCommitStore(new EventLogSink(_log, Node));
        await using var outbox = new OutboxEventSink(late);
        outbox.GoOffline();
        for (var i = 0; i < 3; i++) await outbox.AppendAsync(Monitor("a", i));

        Assert.Equal(0, await outbox.FlushAsync()); // abandoned, not committed yet
        Assert.Empty(await StoredAsync());
        await outbox.AppendAsync(Monitor("b", 3));
        // The outbox sends all four; the abandoned append commits just before; the store refuses the repeat; the outbox
        // asks what is stored, drops the three and sends the fourth.
        Assert.Equal(4, await outbox.FlushAsync());

        Assert.Equal(1, late.Refused);
        Assert.Equal([("a", 0L), ("a", 1L), ("a", 2L), ("b", 3L)], await StoredAsync());
    }

    [Fact]
    public async Task The_log_refuses_an_event_id_it_holds_and_appends_nothing_of_that_append()
    {
        var first = NodeReport.Queued(Monitor("a", 0), DateTimeOffset.UnixEpoch);
        await _log.AppendReportsAsync(Node, [first]);

        var again = await Assert.ThrowsAnyAsync<Exception>(() => _log.AppendReportsAsync(Node, [NodeReport.Queued(Monitor("b", 1), DateTimeOffset.UnixEpoch), first]));

        Assert.True(CibEventLog.IsRepeatedEvent(again));
        Assert.Equal([("a", 0L)], await StoredAsync());
        Assert.Equal(new HashSet<Guid> { first.Id }, await _log.StoredAsync([first.Id, Guid.CreateVersion7()]));
    }

    /// <summary>Holds the first append until <see cref="Open"/>; records the size of every append.</summary>
    private sealed class GatedStore(IReportStore inner) : IReportStore
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _waiting;
        public List<int> Sizes { get; } = [];
        public bool Waiting => _waiting;
        public void Open() => _open.TrySetResult();

        public async Task AppendAsync(IReadOnlyList<NodeReport> reports, CancellationToken ct = default)
        {
            lock (Sizes) Sizes.Add(reports.Count);
            _waiting = true;
            await _open.Task.WaitAsync(ct);
            await inner.AppendAsync(reports, ct);
        }

        public Task<IReadOnlySet<Guid>> StoredAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default) => inner.StoredAsync(ids, ct);
    }

    /// <summary>The first append commits, and its answer never arrives (the connection breaks after the commit).</summary>
    private sealed class LostAnswerStore(IReportStore inner) : IReportStore
    {
        private int _appends;

        public async Task AppendAsync(IReadOnlyList<NodeReport> reports, CancellationToken ct = default)
        {
            await inner.AppendAsync(reports, ct);
            if (Interlocked.Increment(ref _appends) == 1) throw new IOException("the connection broke before the answer");
        }

        public Task<IReadOnlySet<Guid>> StoredAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default) => inner.StoredAsync(ids, ct);
    }

    /// <summary>
    /// The first append is abandoned (as at its deadline) and commits only later: just before the next append reaches
    /// the store.
    /// </summary>
    private sealed class LateCommitStore(IReportStore inner) : IReportStore
    {
        private IReadOnlyList<NodeReport>? _held;
        public int Refused { get; private set; }

        public async Task AppendAsync(IReadOnlyList<NodeReport> reports, CancellationToken ct = default)
        {
            if (_held is null && Refused == 0)
            {
                _held = reports;
                throw new TimeoutException("the append's deadline passed");
            }
            if (_held is { } held)
            {
                _held = null;
                await inner.AppendAsync(held, ct);
            }
            try
            {
                await inner.AppendAsync(reports, ct);
            }
            catch (Exception e) when (CibEventLog.IsRepeatedEvent(e))
            {
                Refused++;
                throw;
            }
        }

        public Task<IReadOnlySet<Guid>> StoredAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct = default) => inner.StoredAsync(ids, ct);
    }
}
