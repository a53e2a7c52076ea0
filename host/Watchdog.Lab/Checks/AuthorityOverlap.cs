using Watchdog.Lab.Rack;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Checks;

/// <summary>One stretch in which two boards both held authority, by their statuses (wall ms).</summary>
public sealed record AuthorityOverlapSpan(long StartWallMs, long EndWallMs, IReadOnlyList<string> Boards)
{
    public long Ms => EndWallMs - StartWallMs;
}

/// <summary>
/// The pair's one rule seen from MQTT: never two authorities. A board holds authority from a
/// status of its own saying so (its Timestamp) until its next status, or until the process that
/// published it ended (a killed board's retained status says authority forever, but a dead
/// board drives nothing: its outputs are released). Every moment two boards' claims cover is one
/// of two authorities; a run reports their sum as two_authorities_ms.
/// </summary>
public static class AuthorityOverlap
{
    /// <param name="lifeEnd">For a board and a status time: when the process alive then ended, or null while it runs (or when unknown).</param>
    public static IReadOnlyList<AuthorityOverlapSpan> Spans(IReadOnlyList<BoardStatusSeen> statuses, Func<string, long, long?> lifeEnd, long fromWallMs, long toWallMs)
    {
        var claims = new List<(string Board, long Start, long End)>();
        foreach (var board in statuses.GroupBy(s => s.Board))
        {
            var ordered = board.OrderBy(s => s.Status.Timestamp).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                if (ordered[i].Status.Pair != PairState.Authority)
                {
                    continue;
                }

                var start = ordered[i].Status.Timestamp;
                var end = i + 1 < ordered.Count ? ordered[i + 1].Status.Timestamp : toWallMs;
                if (lifeEnd(board.Key, start) is { } died)
                {
                    end = Math.Min(end, died);
                }

                start = Math.Max(start, fromWallMs);
                end = Math.Min(end, toWallMs);
                if (end > start)
                {
                    claims.Add((board.Key, start, end));
                }
            }
        }

        // Sweep the claims' edges: wherever two or more boards claim at once is a span.
        var edges = claims.SelectMany(c => new[] { (At: c.Start, c.Board, Up: true), (At: c.End, c.Board, Up: false) })
            .OrderBy(e => e.At).ThenBy(e => e.Up ? 1 : 0).ToList();
        var holding = new Dictionary<string, int>(StringComparer.Ordinal);
        var spans = new List<AuthorityOverlapSpan>();
        long? since = null;
        IReadOnlyList<string> who = [];
        foreach (var edge in edges)
        {
            holding[edge.Board] = holding.GetValueOrDefault(edge.Board) + (edge.Up ? 1 : -1);
            var now = holding.Where(h => h.Value > 0).Select(h => h.Key).Order(StringComparer.Ordinal).ToList();
            if (now.Count >= 2 && since is null)
            {
                since = edge.At;
                who = now;
            }
            else if (now.Count < 2 && since is { } began)
            {
                if (edge.At > began)
                {
                    spans.Add(new AuthorityOverlapSpan(began, edge.At, who));
                }

                since = null;
            }
        }

        return spans;
    }

    /// <summary>The spans on a running rack, held to its board processes' lives.</summary>
    public static IReadOnlyList<AuthorityOverlapSpan> Spans(RackCluster cluster, long fromWallMs, long toWallMs) =>
        Spans(cluster.Observer.BoardStatuses(), (board, at) => LifeEnd(cluster, board, at), fromWallMs, toWallMs);

    public static long TotalMs(IReadOnlyList<AuthorityOverlapSpan> spans) => spans.Sum(s => s.Ms);

    private static long? LifeEnd(RackCluster cluster, string board, long at)
    {
        if (!cluster.BoardNames.Contains(board))
        {
            return null;
        }

        // The life the status was published in: started at or before it. A status stamped before
        // every start (clock skew of a ms) belongs to the first.
        var lives = cluster.Board(board).Lives();
        var life = lives.LastOrDefault(l => l.StartWallMs <= at);
        return life == default ? (lives.Count > 0 ? lives[0].EndWallMs : null) : life.EndWallMs;
    }
}
