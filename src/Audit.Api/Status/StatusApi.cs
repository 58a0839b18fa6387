using System.Text;
using Cib.Domain.Operations;
using Cib.Projections.ReadModels.ClusterStatus;
using Cib.Projections.Store;

namespace Audit.Api.Status;

/// <summary>
/// <c>GET /api/v1/status</c>: what <c>crm_mon -1</c> shows, from the stored status and the log after it. JSON, or
/// <c>text/plain</c> (Accept header, or <c>?format=text</c>) in crm_mon's layout.
/// </summary>
public static class StatusApi
{
    public static void MapStatusApi(this RouteGroupBuilder api)
    {
        api.MapGet("/status", async (HttpContext http, Mediator.ISender sender, string? format, CancellationToken ct) =>
        {
            var view = await sender.Send(new Queries.GetStatus(), ct);
            var text = format == "text" || http.Request.Headers.Accept.Any(a => a?.Contains("text/plain", StringComparison.OrdinalIgnoreCase) == true);
            return text ? Results.Text(Render(view), "text/plain; charset=utf-8") : Results.Ok(view);
        }).AddEndpointFilter(Commands.CommandsApi.FillContext).WithName("GetStatus").WithSummary("the cluster's status, as crm_mon -1 shows it (JSON; crm_mon's text with Accept: text/plain or ?format=text)")
          .Produces<StatusView>()
          .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        api.MapGet("/status/stream", (HttpContext http, StatusFeed feed, IHostApplicationLifetime lifetime,
            Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) =>
        {
            long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault(), out var lastSeen);
            // A stream ends when its client goes or when the API stops: a stopping API does not wait for its watchers
            // (they reconnect with Last-Event-ID to whichever API answers).
            var ends = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            http.Response.RegisterForDispose(ends);
            return TypedResults.ServerSentEvents(Changes(http, feed, lastSeen, json.Value.SerializerOptions, ends.Token));
        }).WithName("StreamStatus")
          .WithSummary("server-sent events: the status (as GET /status) each time it changes, its id the log position; Last-Event-ID resumes after that position")
          .ProducesProblem(StatusCodes.Status401Unauthorized);
    }

    /// <summary>Each view newer than the client has seen (by log position), as it comes.</summary>
    private static async IAsyncEnumerable<System.Net.ServerSentEvents.SseItem<string>> Changes(HttpContext http, StatusFeed feed, long lastSeen,
        System.Text.Json.JsonSerializerOptions json, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // The headers go out at once: a client resuming with nothing new to get knows it is connected.
        await http.Response.Body.FlushAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            var (view, changed) = await feed.CurrentAsync(ct);
            if (view.Position > lastSeen)
            {
                lastSeen = view.Position;
                // The same JSON as GET /status (the API's serializer settings), one line.
                yield return new System.Net.ServerSentEvents.SseItem<string>(System.Text.Json.JsonSerializer.Serialize(view, json), "status")
                {
                    EventId = view.Position.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }
            try
            {
                await changed.WaitAsync(TimeSpan.FromSeconds(15), ct);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>crm_mon's layout: summary, node list, resources (groups nested), failed actions, fail counts, fencing.</summary>
    public static string Render(StatusView view)
    {
        var s = new StringBuilder();
        s.AppendLine("Cluster Summary:");
        s.AppendLine($"  * Current DC: {view.Controller ?? "NONE"} - partition {(view.HasQuorum ? "with" : "WITHOUT")} quorum");
        s.AppendLine($"  * Log position: {view.Position}");
        s.AppendLine($"  * {view.Nodes.Count} node{(view.Nodes.Count == 1 ? "" : "s")} configured");
        s.AppendLine($"  * {view.Resources.Sum(r => Math.Max(1, r.Members.Count))} resource instances configured");
        if (view.MaintenanceMode) s.AppendLine("  * Resource management is DISABLED (maintenance-mode)");
        if (view.Transition is { InProgress: true } t) s.AppendLine($"  * Transition in progress: {t.Id}");
        s.AppendLine();
        s.AppendLine("Node List:");
        foreach (var group in view.Nodes.GroupBy(n => n.State))
            s.AppendLine($"  * {Label(group.Key)}: [ {string.Join(' ', group.Select(n => n.Name))} ]");
        s.AppendLine();
        s.AppendLine("Full List of Resources:");
        if (view.Resources.Count == 0) s.AppendLine("  * No resources");
        foreach (var r in view.Resources)
        {
            if (r.Members.Count == 0 && r.Agent is not null) { s.AppendLine($"  * {Line(r)}"); continue; }
            s.AppendLine($"  * Resource Group: {r.Id}{(r.Managed ? "" : " (unmanaged)")}:");
            foreach (var m in r.Members) s.AppendLine($"    * {Line(m)}");
        }
        if (view.FailedOperations.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Failed Resource Actions:");
            foreach (var f in view.FailedOperations)
                s.AppendLine($"  * {f.Resource}_{f.Operation}_{f.IntervalMs} on {f.Node} '{f.RcText}' ({f.Rc}): status='{f.Status}'"
                             + (f.ExitReason is null ? "" : $", exitreason='{f.ExitReason}'") + $", last-rc-change='{f.At:u}'");
        }
        if (view.FailCounts.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Migration Summary:");
            foreach (var node in view.FailCounts.GroupBy(f => f.Node))
            {
                s.AppendLine($"  * Node: {node.Key}:");
                foreach (var f in node) s.AppendLine($"    * {f.Resource}: fail-count={f.Count} last-failure='{f.LastFailure:u}'");
            }
        }
        if (view.Fencing.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("Fencing History:");
            foreach (var f in view.Fencing)
                s.AppendLine($"  * {f.Target}: {f.Outcome.ToLowerInvariant()} (attempts={f.Attempts}, reason='{f.Reason}'{(f.LastError is null ? "" : $", error='{f.LastError}'")}) at '{f.At:u}'");
        }
        return s.ToString();
    }

    private static string Line(StatusView.ResourceView r)
    {
        var where = r.Role is "Stopped" ? "Stopped" : $"{r.Role} {string.Join(' ', r.Nodes)}";
        var notes = new List<string>();
        if (!r.Managed) notes.Add("unmanaged");
        if (r.TargetRole is { } target && !target.Equals("Started", StringComparison.OrdinalIgnoreCase)) notes.Add($"target-role={target}");
        return $"{r.Id}\t({r.Agent}):\t {where}{(notes.Count == 0 ? "" : $" ({string.Join(", ", notes)})")}";
    }

    private static string Label(string state) => state switch
    {
        "online" => "Online",
        "standby" => "Node standby",
        "maintenance" => "Node maintenance",
        "unclean" => "UNCLEAN (offline)",
        "fenced" => "OFFLINE (fenced)",
        _ => "OFFLINE",
    };
}
