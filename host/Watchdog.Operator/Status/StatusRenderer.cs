using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;
using Watchdog.Protocol.Wire;

namespace Watchdog.Operator.Status;

/// <summary>Shows a <see cref="ClusterSnapshot"/> as tables for people or as one JSON object for scripts.</summary>
public static class StatusRenderer
{
    public static IRenderable Render(ClusterSnapshot snapshot, DateTimeOffset now, TimeSpan staleAfter)
    {
        var rows = new List<IRenderable>();

        var boards = new Table().Title("[bold]boards[/]").AddColumns("board", "status", "pair", "peer", "epoch", "uptime", "updated");
        foreach (var board in snapshot.Boards.Values)
        {
            var ts = board.State?.Timestamp ?? 0;
            boards.AddRow(
                Markup.Escape(board.Name),
                PresenceMarkup(board.Presence, Freshness.IsStale(ts, now, staleAfter)),
                board.State is null ? "-" : PairMarkup(board.State.Pair),
                board.State is null ? "-" : PeerMarkup(board.State),
                (board.State?.Epoch ?? 0).ToString(),
                board.State is null ? "-" : TimeSpan.FromMilliseconds(board.State.UptimeMs).ToString(@"d\.hh\:mm\:ss"),
                AgeMarkup(ts, now, staleAfter));
        }

        rows.Add(snapshot.Boards.Count == 0 ? new Markup("[red]no board has published: without a board no automatic failover happens[/]") : boards);

        var groups = new Table().Title("[bold]groups[/]").AddColumns("group", "mode", "epoch", "active", "standby", "ready", "fenced", "updated");
        foreach (var (name, g) in snapshot.Groups)
        {
            groups.AddRow(
                Markup.Escape(name), WireWords.Of(g.Mode), g.Epoch.ToString(),
                Markup.Escape(string.Join(", ", g.Active)), Markup.Escape(string.Join(", ", g.Standby)),
                ReadyMarkup(g),
                g.Fenced.Length == 0 ? "" : "[red]" + Markup.Escape(string.Join(", ", g.Fenced)) + "[/]",
                AgeMarkup(g.Timestamp, now, staleAfter));
        }

        rows.Add(groups);

        var nodes = new Table().Title("[bold]nodes[/]").AddColumns("node", "status", "role", "epoch", "health", "heartbeat", "wires", "why", "updated");
        foreach (var node in snapshot.Nodes.Values)
        {
            var state = node.State;
            // The newest reading of the node's wires: with two boards, a passive one keeps what it published while it held authority.
            var reading = snapshot.Boards.Values.SelectMany(b => b.Channels.Values).Where(c => c.Node == node.Name).MaxBy(c => c.Timestamp);
            nodes.AddRow(
                Markup.Escape(node.Name),
                PresenceMarkup(node.Presence, state is null || Freshness.IsStale(state.Timestamp, now, staleAfter)),
                state is null ? "-" : RoleMarkup(state.Role),
                state?.Epoch.ToString() ?? "-",
                state is null ? "-" : HealthMarkup(state.Health) + (state.Ready ? "" : " [yellow]not ready[/]"),
                state is null ? "-" : state.Feeding ? "feeding" : "[red]stopped[/]",
                reading is null ? "-" : WiresMarkup(reading),
                Markup.Escape(state?.Reason ?? ""),
                AgeMarkup(state?.Timestamp ?? 0, now, staleAfter));
        }

        rows.Add(nodes);
        foreach (var problem in snapshot.Problems.TakeLast(5))
        {
            rows.Add(new Markup("[yellow]undecodable:[/] " + Markup.Escape(problem)));
        }

        return new Rows(rows);
    }

    public static string ToJson(ClusterSnapshot snapshot, DateTimeOffset now, TimeSpan staleAfter)
    {
        var root = new JsonObject
        {
            ["boards"] = new JsonArray(snapshot.Boards.Values.Select(b => (JsonNode)new JsonObject
            {
                ["board"] = b.Name,
                ["status"] = b.Presence is { } p ? WireWords.Of(p) : null,
                ["epoch"] = b.State?.Epoch,
                ["pair"] = b.State is null ? null : WireWords.Of(b.State.Pair),
                ["peer"] = b.State?.Peer,
                // Without a peer there is nothing to be in sync with or to hear: null, not a false alarm.
                ["peer_in_sync"] = HasPeer(b.State) ? b.State!.PeerInSync : null,
                ["peer_heartbeat"] = HasPeer(b.State) ? b.State!.PeerHeartbeat : null,
                ["peer_link"] = HasPeer(b.State) ? b.State!.PeerLink : null,
                ["uptime_ms"] = b.State?.UptimeMs,
                ["ts"] = b.State?.Timestamp,
                ["stale"] = Freshness.IsStale(b.State?.Timestamp ?? 0, now, staleAfter),
                ["channels"] = new JsonArray(b.Channels.Values.Select(c => (JsonNode)new JsonObject
                {
                    ["channel"] = c.Channel,
                    ["node"] = c.Node,
                    ["state"] = WireWords.Of(c.State),
                    ["verdict"] = WireWords.Of(c.Verdict),
                    ["heartbeat_age_ms"] = c.HeartbeatAgeMs,
                    ["power_good"] = new JsonArray(c.PowerGood.Select(v => (JsonNode?)v).ToArray()),
                    ["link"] = new JsonArray(c.Link.Select(v => (JsonNode?)v).ToArray()),
                    ["outputs"] = new JsonArray(c.Outputs.Select(v => (JsonNode?)v).ToArray()),
                    ["ts"] = c.Timestamp,
                }).ToArray()),
            }).ToArray()),
            ["groups"] = new JsonArray(snapshot.Groups.Values.Select(g => (JsonNode)new JsonObject
            {
                ["group"] = g.Group,
                ["mode"] = WireWords.Of(g.Mode),
                ["epoch"] = g.Epoch,
                ["active"] = new JsonArray(g.Active.Select(v => (JsonNode?)v).ToArray()),
                ["standby"] = new JsonArray(g.Standby.Select(v => (JsonNode?)v).ToArray()),
                ["ready"] = new JsonArray(g.Ready.Select(v => (JsonNode?)v).ToArray()),
                ["fenced"] = new JsonArray(g.Fenced.Select(v => (JsonNode?)v).ToArray()),
                ["ts"] = g.Timestamp,
                ["stale"] = Freshness.IsStale(g.Timestamp, now, staleAfter),
            }).ToArray()),
            ["nodes"] = new JsonArray(snapshot.Nodes.Values.Select(n => (JsonNode)new JsonObject
            {
                ["node"] = n.Name,
                ["status"] = n.Presence is { } p ? WireWords.Of(p) : null,
                ["role"] = n.State is null ? null : WireWords.Of(n.State.Role),
                ["epoch"] = n.State?.Epoch,
                ["health"] = n.State is null ? null : WireWords.Of(n.State.Health),
                ["ready"] = n.State?.Ready,
                ["feeding"] = n.State?.Feeding,
                ["board_lost"] = n.State?.BoardLost,
                ["reason"] = n.State?.Reason,
                ["ts"] = n.State?.Timestamp,
                ["stale"] = Freshness.IsStale(n.State?.Timestamp ?? 0, now, staleAfter),
            }).ToArray()),
            ["problems"] = new JsonArray(snapshot.Problems.Select(p => (JsonNode?)p).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static bool HasPeer(Protocol.Messages.BoardStatus? state) => state is not null && state.Peer.Length > 0;

    // Only the authority drives outputs: any other word says this board would not act now.
    private static string PairMarkup(PairState pair) => pair switch
    {
        PairState.Authority => "[green]authority[/]",
        PairState.Passive => "passive",
        _ => "[yellow]" + WireWords.Of(pair) + "[/]",
    };

    // The peer, whether the passive board is in sync (only then may it take over) and which of
    // the two paths to the peer is silent (one alone is a wire fault, both a dead peer).
    private static string PeerMarkup(Protocol.Messages.BoardStatus state)
    {
        if (!HasPeer(state))
        {
            return "";
        }

        var text = Markup.Escape(state.Peer) + (state.PeerInSync ? " [green]in sync[/]" : " [red]out of sync[/]");
        if (!state.PeerHeartbeat)
        {
            text += " [red]heartbeat silent[/]";
        }

        if (!state.PeerLink)
        {
            text += " [red]link silent[/]";
        }

        return text;
    }

    // In active-standby, nobody ready means a failure of the active now leaves the group without one.
    private static string ReadyMarkup(Protocol.Messages.GroupRoles g) =>
        g.Ready.Length > 0 ? Markup.Escape(string.Join(", ", g.Ready))
        : g.Mode == GroupMode.ActiveStandby ? "[red]nobody[/]" : "";

    private static string PresenceMarkup(Presence? presence, bool stale)
    {
        if (presence is null)
        {
            return "[grey]unknown[/]";
        }

        var word = WireWords.Of(presence.Value);
        var colour = presence == Presence.Ready ? (stale ? "yellow" : "green") : "red";
        return $"[{colour}]{word}{(stale && presence == Presence.Ready ? " (stale)" : "")}[/]";
    }

    private static string RoleMarkup(NodeRole role) => role switch
    {
        NodeRole.Active => "[bold green]active[/]",
        NodeRole.Standby => "standby",
        _ => "[grey]none[/]",
    };

    // "not ready" follows the health: the board will not promote the node (a check that gates promotion fails), whatever its health.
    private static string HealthMarkup(Health health) => health switch
    {
        Health.Healthy => "[green]healthy[/]",
        Health.Degraded => "[yellow]degraded[/]",
        Health.Failing => "[red]failing[/]",
        _ => "[grey]unknown[/]",
    };

    private static string WiresMarkup(Protocol.Messages.ChannelReading c)
    {
        var state = WireWords.Of(c.State);
        var colour = c.State switch
        {
            ChannelState.Healthy => "green",
            ChannelState.Failed or ChannelState.Fenced => "red",
            ChannelState.Suspect or ChannelState.Recovering or ChannelState.Absent => "yellow",
            _ => "grey",
        };
        // An absent server was never heard: its missing heartbeat is no failure, only no agent yet.
        var verdict = c.Verdict == Verdict.None || c.State == ChannelState.Absent ? "" : " " + WireWords.Of(c.Verdict);
        var pg = string.Concat(c.PowerGood.Select(v => v ? "1" : "0"));
        var link = string.Concat(c.Link.Select(v => v ? "1" : "0"));
        return $"[{colour}]{state}{verdict}[/] pg={pg} link={link}";
    }

    private static string AgeMarkup(long ts, DateTimeOffset now, TimeSpan staleAfter)
    {
        var text = Markup.Escape(Freshness.Describe(ts, now));
        return Freshness.IsStale(ts, now, staleAfter) ? $"[yellow]{text}[/]" : text;
    }
}
