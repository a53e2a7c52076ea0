using Watchdog.Agent.Heartbeat;

namespace Watchdog.Lab.Bench;

/// <summary>
/// What a node's agent wrote on its heartbeat line before the board judged it failed, read from
/// its flight recorder (<see cref="EdgeRecorder"/>) after the fact: a fenced agent is frozen by
/// its reset before it can report its own late edge, so only the file can say whether the line
/// really stopped and what held it (the thread's wake-up, the agent's work, a collection).
/// </summary>
public static class EdgeHistory
{
    /// <summary>
    /// The edges recorded up to <paramref name="verdictWallMs"/> in the recorder at
    /// <paramref name="path"/> and the one its agent left before restarting (.previous), in order.
    /// Empty when neither file is there.
    /// </summary>
    public static IReadOnlyList<RecordedEdge> Before(string path, long verdictWallMs)
    {
        var edges = new List<RecordedEdge>();
        foreach (string file in new[] { path + ".previous", path })
        {
            if (File.Exists(file))
            {
                edges.AddRange(EdgeRecorder.Read(file));
            }
        }

        return edges.Where(e => e.WallMs <= verdictWallMs).OrderBy(e => e.WallMs).ToList();
    }

    /// <summary>
    /// One line about the last <paramref name="count"/> edges before a verdict at
    /// <paramref name="verdictWallMs"/>: the silence from the last edge to the verdict, and each
    /// edge's distance before the verdict with its lateness, wake-up, work and collection pause.
    /// </summary>
    public static string Describe(IReadOnlyList<RecordedEdge> edges, long verdictWallMs, int count = 6)
    {
        if (edges.Count == 0)
        {
            return "no edge recorded before the verdict";
        }

        var last = edges.Skip(Math.Max(0, edges.Count - count)).Select(e =>
            $"-{verdictWallMs - e.WallMs} ms late {e.LateMs} (woke {e.WokeLateMs}, work {e.WorkMs}, gc {e.GcPauseMs})");
        return $"line silent {verdictWallMs - edges[^1].WallMs} ms before the verdict; last edges: " + string.Join(", ", last);
    }
}
