using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Watchdog.Operator.Spof;

/// <summary>What <c>watchdogctl spof</c> prints: findings under their layer's heading, or one JSON object.</summary>
public static class SpofReport
{
    public static string Text(RackFiles files, IReadOnlyList<SpofFinding> findings)
    {
        var text = new StringBuilder();
        text.AppendLine($"read {Described(files)}");
        if (findings.Count == 0)
        {
            text.AppendLine("no single point of failure found");
            return text.ToString();
        }

        foreach (var layer in findings.GroupBy(f => f.Layer))
        {
            text.AppendLine();
            text.AppendLine(SpofFinding.Word(layer.Key));
            foreach (var f in layer)
            {
                text.AppendLine($"  {f.File}: {f.Path}: {f.Problem}");
                text.AppendLine($"    remedy: {f.Remedy}");
            }
        }

        text.AppendLine();
        string counts = string.Join(", ", findings.GroupBy(f => f.Layer).Select(g => $"{SpofFinding.Word(g.Key)} {g.Count()}"));
        text.AppendLine($"{findings.Count} single point(s) of failure: {counts}");
        return text.ToString();
    }

    /// <summary>One JSON object: the files read (path and kind), every finding, and the count per layer (every layer, zeros too).</summary>
    public static string Json(RackFiles files, IReadOnlyList<SpofFinding> findings)
    {
        var read = new JsonArray();
        foreach (var (path, kind) in Kinds(files))
        {
            read.Add(new JsonObject { ["path"] = path, ["kind"] = kind });
        }

        var list = new JsonArray();
        foreach (var f in findings)
        {
            list.Add(new JsonObject
            {
                ["layer"] = SpofFinding.Word(f.Layer),
                ["kind"] = f.Kind,
                ["file"] = f.File,
                ["path"] = f.Path,
                ["problem"] = f.Problem,
                ["remedy"] = f.Remedy,
            });
        }

        var byLayer = new JsonObject();
        foreach (var layer in Enum.GetValues<SpofLayer>())
        {
            byLayer[SpofFinding.Word(layer)] = findings.Count(f => f.Layer == layer);
        }

        var root = new JsonObject { ["files"] = read, ["findings"] = list, ["count"] = findings.Count, ["by_layer"] = byLayer };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static IEnumerable<(string Path, string Kind)> Kinds(RackFiles files) =>
        files.Boards.Select(b => (b.Path, "board"))
            .Concat(files.PinMaps.Select(p => (p.Path, "pin-map")))
            .Concat(files.Agents.Select(a => (a.Path, "agent")))
            .Concat(files.DrConfigs.Select(d => (d.Path, "dr")))
            .Concat(files.Topologies.Select(t => (t.Path, "topology")));

    private static string Described(RackFiles files)
    {
        var parts = new List<string>();
        void Count(int n, string what)
        {
            if (n > 0)
            {
                parts.Add($"{n} {what}{(n == 1 ? "" : "s")}");
            }
        }

        Count(files.Boards.Count, "board configuration");
        Count(files.PinMaps.Count, "pin map");
        Count(files.Agents.Count, "agent configuration");
        Count(files.DrConfigs.Count, "DR configuration");
        Count(files.Topologies.Count, "topology file");
        return string.Join(", ", parts);
    }
}
