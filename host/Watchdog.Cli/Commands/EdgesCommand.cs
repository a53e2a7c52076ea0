using System.CommandLine;
using System.Globalization;
using Watchdog.Agent.Heartbeat;

namespace Watchdog.Cli.Commands;

/// <summary>
/// `watchdogctl edges &lt;file&gt;`: the last heartbeat edges from an agent's flight recorder
/// (Heartbeat:EdgeRecordFile, docs/agent.md), one per line: when it was written, the gap since
/// the edge before it, and how late it was (the thread's wake-up, the agent's work, the
/// collection pause). Read after a fence, the .previous file says what the line did before the reset.
/// Exit codes: 0 printed; 2 the file cannot be read.
/// </summary>
public static class EdgesCommand
{
    public const int ExitUnreadable = 2;

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "An agent's Heartbeat:EdgeRecordFile, or its .previous" };
        var last = new Option<int>("--last") { Description = "How many of the latest edges to print (1-1024)", DefaultValueFactory = _ => 20 };
        last.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > EdgeRecorder.Capacity)
            {
                r.AddError($"--last must be from 1 to {EdgeRecorder.Capacity}");
            }
        });
        var command = new Command("edges", "Print the last heartbeat edges an agent recorded (its flight recorder): when, the gap before each, and how late")
        {
            file, last,
        };
        command.SetAction(result =>
        {
            string path = result.GetValue(file)!;
            IReadOnlyList<RecordedEdge> edges;
            try
            {
                edges = EdgeRecorder.Read(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Console.Error.WriteLine($"watchdogctl: {ex.Message}"); // each names the file
                return ExitUnreadable;
            }

            Console.Out.Write(Text(edges, result.GetValue(last)));
            return 0;
        });
        return command;
    }

    /// <summary>The last <paramref name="count"/> edges, one line each, oldest first.</summary>
    public static string Text(IReadOnlyList<RecordedEdge> edges, int count)
    {
        if (edges.Count == 0)
        {
            return "no edge recorded\n";
        }

        var text = new System.Text.StringBuilder();
        int first = Math.Max(0, edges.Count - count);
        text.Append(CultureInfo.InvariantCulture, $"{edges.Count - first} of {edges.Count} recorded edges (UTC; gap since the edge before; late = woke late + work; gc = collection pause in the wait)\n");
        for (int i = first; i < edges.Count; i++)
        {
            var e = edges[i];
            string gap = i > 0 ? (e.WallMs - edges[i - 1].WallMs).ToString(CultureInfo.InvariantCulture) + " ms" : "-";
            string at = DateTimeOffset.FromUnixTimeMilliseconds(e.WallMs).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"{at}  gap {gap,7}  late {e.LateMs,4} ms = woke {e.WokeLateMs} + work {e.WorkMs}, gc {e.GcPauseMs}\n");
        }

        return text.ToString();
    }
}
