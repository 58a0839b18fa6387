using System.Globalization;
using Cib.Domain.Configuration;
using Cib.Domain.Transitions;
using Cib.Interop.Crm;
using Cib.Projections.Planning;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;
using Audit.Api.Queries;
using Mediator;

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
        var group = api.MapGroup("").AddEndpointFilter(Commands.CommandsApi.FillContext);
        group.MapGet("/replay", async (HttpContext http, string? at, string? format, CibEventLog log, ISender sender, CancellationToken ct) =>
        {
            var position = await PositionAsync(at, log, ct);
            if (position is null) return Problems.Result(StatusCodes.Status400BadRequest, "at-invalid", "at is a log position (a number) or a time (ISO 8601)");
            var view = await sender.Send(new ReplayAt(position.Value), ct);
            var text = format == "text" || http.Request.Headers.Accept.Any(a => a?.Contains("text/plain", StringComparison.OrdinalIgnoreCase) == true);
            return text ? Results.Text(Status.StatusApi.Render(view), "text/plain; charset=utf-8") : Results.Ok(view);
        }).WithName("Replay").WithSummary("the cluster as crm_mon showed it at a log position or a time (?at=SEQ|TIME; ?format=text for crm_mon's layout)")
          .Produces<StatusView>().ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/explain/{id}", async (string id, string? resource, ISender sender, CancellationToken ct) =>
            await sender.Send(new ExplainTransition(id, resource), ct) is { } explanation
                ? Results.Ok(explanation)
                : Problems.Result(StatusCodes.Status404NotFound, "unknown-transition", $"no transition '{id}' was planned"))
          .WithName("Explain").WithSummary("why a recorded transition was planned: its inputs planned again (recorded and replayed summaries, equal or not), each resource's scores per node with their contributions, the nodes ruled out and why (?resource=R: one resource, or a group's members)")
          .Produces<Explanation>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/simulate", async (SimulateRequest what, CibEventLog log, TimeProvider time, ISender sender, CancellationToken ct) =>
        {
            var position = what.At is null ? await log.HeadAsync(ct) : await PositionAsync(what.At, log, ct);
            if (position is null) return Problems.Result(StatusCodes.Status400BadRequest, "at-invalid", "at is a log position (a number) or a time (ISO 8601)");
            // "Now" is the moment simulated: the present, or when the event at that position was committed.
            var now = what.At is null ? time.GetUtcNow() : await TimeOfAsync(log, position.Value, ct) ?? time.GetUtcNow();
            return Results.Ok(await sender.Send(new SimulateWhatIf(position.Value, now,
                new WhatIf(what.NodeLost ?? [], what.NodeBack ?? [], what.ResourceFailed ?? [], what.Standby ?? []), what.Edit), ct));
        }).WithName("Simulate").WithSummary("what-if, as crm_simulate on the live or a past state: nodes lost or back, operations failing (R:OP[:NODE]), standby, a crm edit; the transition the engine would plan; nothing is appended")
          .Produces<WhatIfResult>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
          .WithMetadata(new Security.AppendsNothing());

        group.MapGet("/replay/check", async (string? from, string? to, CibEventLog log, ISender sender, CancellationToken ct) =>
        {
            var start = from is null ? 0 : await PositionAsync(from, log, ct);
            var end = to is null ? long.MaxValue : await PositionAsync(to, log, ct);
            if (start is null || end is null)
                return Problems.Result(StatusCodes.Status400BadRequest, "range-invalid", "from and to are log positions (numbers) or times (ISO 8601)");
            // A time names the last event committed by then: the range starts after it.
            if (from is not null && !long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out _)) start++;
            var (count, mismatches) = await sender.Send(new CheckReplay(start.Value, end.Value), ct);
            return Results.Ok(new ReplayCheck(count, mismatches));
        }).WithName("ReplayCheck").WithSummary("recorded controller decisions decided again from the log (all, or ?from=SEQ|TIME&to=SEQ|TIME: the steps that began in that range): how many were checked, and each that differs (none expected)")
          .Produces<ReplayCheck>().ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<long?> PositionAsync(string? at, CibEventLog log, CancellationToken ct)
    {
        if (at is null) return await log.HeadAsync(ct);
        if (long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)) return sequence;
        if (DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) return await log.PositionAtAsync(time, ct);
        return null;
    }

    /// <summary>When the event at the position was committed: the "now" of a simulation at a past moment.</summary>
    private static async Task<DateTimeOffset?> TimeOfAsync(CibEventLog log, long position, CancellationToken ct)
    {
        var page = await log.ReadAfterAsync(Math.Max(0, position - 1), 1, ct);
        return page.Count > 0 ? page[0].Timestamp : null;
    }
}
