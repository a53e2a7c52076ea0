using Watchdog.Operator.Status;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Operator.Commands;

/// <summary>
/// A board refuses every command during its boot grace ("still settling after its start"). Before a
/// command is sent, this finds the board that owns the target, reads its retained BoardStatus and,
/// while that says it is not settled, waits for the status that says it is (a message, not a
/// sleep), bounded by the time the board says it needs plus a margin.
/// </summary>
public static class BoardSettleWait
{
    /// <summary>Added to the grace the board says is left: its status is up to one publish interval old and a loaded board ticks late.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The board wired to <paramref name="target"/> (a node, or a group through its members), or the
    /// only board when the snapshot cannot tell (no channel readings yet); null when unknown.
    /// </summary>
    public static string? BoardFor(ClusterSnapshot snapshot, string target)
    {
        var nodes = new HashSet<string>(StringComparer.Ordinal) { target };
        if (snapshot.Groups.TryGetValue(target, out var roles))
        {
            nodes.UnionWith(roles.Active.Concat(roles.Standby).Concat(roles.Fenced));
        }

        // With two boards both have read the node's wires (a passive board keeps the readings it
        // published while it held authority): the one whose state says authority answers commands.
        var wired = snapshot.Boards.Values.Where(b => b.Channels.Values.Any(c => nodes.Contains(c.Node))).ToList();
        var owner = wired.FirstOrDefault(b => b.State is { Pair: PairState.Authority } s && s.Peer.Length > 0) ?? wired.FirstOrDefault();
        if (owner is not null)
        {
            return owner.Name;
        }

        return snapshot.Boards.Count == 1 ? snapshot.Boards.Keys.First() : null;
    }

    /// <summary>
    /// The board's grace left as of now, from its retained status (settle_left_ms counted from ts);
    /// null when it is settled, or when its status does not report settling (no status, or a board
    /// from before the field): then there is nothing to wait for.
    /// </summary>
    public static TimeSpan? SettleLeft(BoardStatus? status, DateTimeOffset now)
    {
        if (status is null || status.Settled || status.SettleLeftMs < 0)
        {
            return null;
        }

        var left = status.SettleLeftMs - (now.ToUnixTimeMilliseconds() - status.Timestamp);
        return TimeSpan.FromMilliseconds(Math.Max(0, left));
    }

    /// <summary>The bound on a wait: <paramref name="overrideSeconds"/> when given, else the grace left plus <see cref="Margin"/>.</summary>
    public static TimeSpan Bound(TimeSpan left, int? overrideSeconds) =>
        overrideSeconds is { } s ? TimeSpan.FromSeconds(s) : left + Margin;

    /// <summary>The line watchdogctl prints before it waits.</summary>
    public static string Progress(string board, TimeSpan left, TimeSpan bound) =>
        $"board {board} is settling after its start: ~{Math.Ceiling(left.TotalSeconds):0} s left; waiting (up to {Math.Ceiling(bound.TotalSeconds):0} s)";

    /// <summary>What the board last said, for the error when the bound passed.</summary>
    public static string LastSaid(ClusterSnapshot snapshot, string board, DateTimeOffset now)
    {
        if (!snapshot.Boards.TryGetValue(board, out var view) || view.State is null)
        {
            return "no status from it";
        }

        var s = view.State;
        var presence = view.Presence is { } p ? WireWords.Of(p) : "unknown";
        var age = (now.ToUnixTimeMilliseconds() - s.Timestamp) / 1000.0;
        return $"its last status, {age:0.0} s old, says {(s.Settled ? "settled" : $"settling, {s.SettleLeftMs} ms left")}; presence {presence}";
    }

    /// <summary>True when <paramref name="ack"/> is the refusal a board gives during its boot grace.</summary>
    public static bool IsSettlingRefusal(CommandAck? ack) =>
        ack is { Verdict: CommandVerdict.NotAllowed } && ack.Detail.StartsWith(CommandRefusals.Settling, StringComparison.Ordinal);
}
