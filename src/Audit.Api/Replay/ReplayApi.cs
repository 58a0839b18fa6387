using System.Globalization;
using Cib.Domain.Configuration;
using Cib.Domain.Transitions;
using Cib.Interop.Crm;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Marten;

namespace Audit.Api.Replay;

/// <summary>
/// The cluster at any past moment, why a transition was planned, and what would happen: read-only (an auditor may), and
/// nothing is appended. <c>at</c> is a log position (a number) or a time (ISO 8601): the last event committed by then.
/// </summary>
public static class ReplayApi
{
    public sealed record SimulateRequest(string? At, string[]? NodeLost, string[]? NodeBack, string[]? ResourceFailed, string[]? Standby, string? Edit);

    public sealed record ReplayCheck(int Checked, IReadOnlyList<TransitionPlanner.Mismatch> Mismatches);

    public static void MapReplayApi(this RouteGroupBuilder api)
    {
        api.MapGet("/replay", async (HttpContext http, string? at, string? format, CibEventLog log, CancellationToken ct) =>
        {
            var position = await PositionAsync(at, log, ct);
            if (position is null) return Problems.Result(StatusCodes.Status400BadRequest, "at-invalid", "at is a log position (a number) or a time (ISO 8601)");
            var (configuration, status) = await StateAtAsync(log, position.Value, ct);
            var view = StatusView.From(configuration, status, position.Value);
            var text = format == "text" || http.Request.Headers.Accept.Any(a => a?.Contains("text/plain", StringComparison.OrdinalIgnoreCase) == true);
            return text ? Results.Text(Status.StatusApi.Render(view), "text/plain; charset=utf-8") : Results.Ok(view);
        }).WithName("Replay").WithSummary("the cluster as crm_mon showed it at a log position or a time (?at=SEQ|TIME; ?format=text for crm_mon's layout)")
          .Produces<StatusView>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/explain/{id}", async (string id, string? resource, CibEventLog log, CancellationToken ct) =>
        {
            var planned = (await log.FetchStreamAsync(StreamIds.Transition(id), ct)).Select(e => e.Data).OfType<TransitionPlanned>().FirstOrDefault();
            if (planned is null) return Problems.Result(StatusCodes.Status404NotFound, "unknown-transition", $"no transition '{id}' was planned");
            var (configuration, status) = await StateAtAsync(log, planned.AsOfSequence, ct);
            if (resource is not null && !configuration.Resources.ContainsKey(resource))
                return Problems.Result(StatusCodes.Status404NotFound, "unknown-resource", $"no resource '{resource}' was configured then");
            return Results.Ok(Explaining.Explain(configuration, status, planned, resource));
        }).WithName("Explain").WithSummary("why a recorded transition was planned: its inputs planned again (recorded and replayed summaries, equal or not), each resource's scores per node with their contributions, the nodes ruled out and why (?resource=R: one resource, or a group's members)")
          .Produces<Explanation>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/simulate", async (SimulateRequest what, IDocumentStore store, CibEventLog log, TimeProvider time, CancellationToken ct) =>
        {
            var position = what.At is null ? await log.HeadAsync(ct) : await PositionAsync(what.At, log, ct);
            if (position is null) return Problems.Result(StatusCodes.Status400BadRequest, "at-invalid", "at is a log position (a number) or a time (ISO 8601)");
            var (configuration, status) = await StateAtAsync(log, position.Value, ct);
            if (what.Edit is { Length: > 0 } edit)
            {
                // A configuration edit in crm text (update mode), checked as a change would be, applied to the copy only.
                var parsed = CrmParser.Parse(edit, configuration);
                if (!parsed.IsSuccess)
                    throw new Configuration.ConfigurationTextException("configuration-invalid", parsed.Errors, string.Join("; ", parsed.Errors.Select(e => e.Format("edit"))));
                var decided = ConfigurationDecider.Decide(new ChangeConfiguration(0, ConfigurationDiff.Between(configuration, parsed.Parsed!.Configuration),
                    time.GetUtcNow(), Cib.Domain.Primitives.Actor.System("what-if")), configuration);
                if (!decided.IsAccepted) throw new Cib.Domain.Primitives.DomainException(decided.Errors);
                configuration = ConfigurationDecider.Fold(decided.Events, configuration);
            }
            // "Now" is the moment simulated: the present, or when the event at that position was committed.
            var now = what.At is null ? time.GetUtcNow() : await TimeOfAsync(log, position.Value, ct) ?? time.GetUtcNow();
            return Results.Ok(Explaining.Simulate(configuration, status, position.Value, now,
                new WhatIf(what.NodeLost ?? [], what.NodeBack ?? [], what.ResourceFailed ?? [], what.Standby ?? [])));
        }).WithName("Simulate").WithSummary("what-if, as crm_simulate on the live or a past state: nodes lost or back, operations failing (R:OP[:NODE]), standby, a crm edit; the transition the engine would plan; nothing is appended")
          .Produces<WhatIfResult>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
          .WithMetadata(new Security.AppendsNothing());

        api.MapGet("/replay/check", async (IDocumentStore store, CancellationToken ct) =>
        {
            var (count, mismatches) = await TransitionPlanner.ReplayAsync(store, ct);
            return Results.Ok(new ReplayCheck(count, mismatches));
        }).WithName("ReplayCheck").WithSummary("every recorded controller decision decided again from the log: how many were checked, and each that differs (none expected)")
          .Produces<ReplayCheck>();
    }

    private static async Task<long?> PositionAsync(string? at, CibEventLog log, CancellationToken ct)
    {
        if (at is null) return await log.HeadAsync(ct);
        if (long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)) return sequence;
        if (DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) return await log.PositionAtAsync(time, ct);
        return null;
    }

    private static async Task<(ClusterConfiguration Configuration, Cib.Projections.ReadModels.ClusterStatus.ClusterStatus Status)> StateAtAsync(
        CibEventLog log, long position, CancellationToken ct)
    {
        var events = new List<(object, long)>();
        await foreach (var e in log.ReadUpToAsync(position, ct)) events.Add((e.Data, e.Sequence));
        return Explaining.Fold(events);
    }

    /// <summary>When the event at the position was committed: the "now" of a simulation at a past moment.</summary>
    private static async Task<DateTimeOffset?> TimeOfAsync(CibEventLog log, long position, CancellationToken ct)
    {
        var page = await log.ReadAfterAsync(Math.Max(0, position - 1), 1, ct);
        return page.Count > 0 ? page[0].Timestamp : null;
    }
}
