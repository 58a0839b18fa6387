using System.Diagnostics.Metrics;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.ReadModels.History;
using Npgsql;

namespace Audit.Api.Metrics;

/// <summary>
/// The cluster's figures for ops, as OpenTelemetry instruments exported at <c>/metrics</c> in Prometheus' text format:
/// fencing by result and its time, transitions planned, the log's position and how far the stored status and history
/// are behind it, nodes by state and failed operations. Read from the store at most once a second, whatever the number
/// of instruments or scrapes; the API's own request latency comes from ASP.NET Core's meter.
/// </summary>
public sealed class ClusterMetrics
{
    public const string MeterName = "Ha.EventSourced";

    private readonly Meter _meter;
    private readonly NpgsqlDataSource _db;
    private readonly Status.StatusFeed _feed;
    private readonly Lock _gate = new();
    private Figures? _figures;
    private DateTime _read;

    private sealed record Figures(long Head, long StatusPosition, long HistoryPosition, long Transitions,
        IReadOnlyList<(string Result, long Count, double Seconds)> Fencing, StatusView View);

    public ClusterMetrics(IMeterFactory meters, NpgsqlDataSource db, Status.StatusFeed feed)
    {
        (_db, _feed) = (db, feed);
        // The host's meter factory owns (and disposes) the meter.
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("ha.log.position", () => Read().Head, "{event}", "the sequence number of the newest event in the log");
        _meter.CreateObservableGauge("ha.status.lag", () => Read().Head - Read().StatusPosition, "{event}",
            "events in the log after the stored status (the active controller writes it about once a second)");
        _meter.CreateObservableGauge("ha.history.lag", () => Read().Head - Read().HistoryPosition, "{event}",
            "events in the log after the stored history (fencing, operations, changes)");
        _meter.CreateObservableCounter("ha.transitions", () => Read().Transitions, "{transition}", "transitions planned");
        _meter.CreateObservableCounter("ha.fencing", () => Read().Fencing.Select(f => new Measurement<long>(f.Count, new KeyValuePair<string, object?>("result", f.Result))),
            "{request}", "fence requests by how they ended (succeeded, failed, gave-up, pending, power-on-failed, requested, fenced)");
        _meter.CreateObservableCounter("ha.fencing.duration", () => Read().Fencing.Select(f => new Measurement<double>(f.Seconds, new KeyValuePair<string, object?>("result", f.Result))),
            "s", "the time fence requests took, summed by result (divide by ha_fencing_total for the mean)");
        _meter.CreateObservableGauge("ha.nodes", () => View().Nodes.GroupBy(n => n.State)
            .Select(g => new Measurement<long>(g.Count(), new KeyValuePair<string, object?>("state", g.Key))), "{node}", "nodes by state (online, standby, maintenance, offline, unclean, fenced)");
        _meter.CreateObservableGauge("ha.operations.failed", () => (long)View().FailedOperations.Count, "{operation}", "failed operations on record (cleared by a clean-up)");
        _meter.CreateObservableGauge("ha.quorum", () => View().HasQuorum ? 1L : 0L, "", "1 while the cluster has quorum");
    }

    private StatusView View() => Read().View;

    private Figures Read()
    {
        lock (_gate)
        {
            if (_figures is not null && DateTime.UtcNow - _read < TimeSpan.FromSeconds(1)) return _figures;
            using var batch = _db.CreateBatch();
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT coalesce(max(seq_id), 0) FROM cib.mt_events"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT coalesce((SELECT position FROM cib.ha_read_models WHERE name = '{StoredStatus.Name}'), 0)"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT coalesce((SELECT position FROM cib.ha_read_models WHERE name = '{StoredHistory.Name}'), 0)"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM cib.mt_events WHERE type = 'cib.transition_planned.v1'"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT result, count(*), coalesce(sum(duration_ms), 0) / 1000.0 FROM cib.ha_fencing_history GROUP BY result ORDER BY result"));
            using var reader = batch.ExecuteReader();
            var scalars = new long[4];
            for (var i = 0; i < 4; i++)
            {
                reader.Read();
                scalars[i] = reader.GetInt64(0);
                reader.NextResult();
            }
            var fencing = new List<(string, long, double)>();
            while (reader.Read()) fencing.Add((reader.GetString(0), reader.GetInt64(1), (double)reader.GetDecimal(2)));
            _figures = new Figures(scalars[0], scalars[1], scalars[2], scalars[3], fencing, _feed.NowAsync(CancellationToken.None).GetAwaiter().GetResult());
            _read = DateTime.UtcNow;
            return _figures;
        }
    }

}
