using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.Sites.Config;

namespace Watchdog.Operator.Spof;

/// <summary>A board configuration, as the board runs with it.</summary>
public sealed record BoardFile(string Path, BoardConfig Config);

/// <summary>A pin map from hardware/boards.</summary>
public sealed record PinMapFile(string Path, PinMap Map);

/// <summary>What an agent configuration says that matters here: its cluster, node, group and the brokers it dials.</summary>
public sealed record AgentFile(string Path, string Cluster, string Node, string Group, IReadOnlyList<string> Brokers);

/// <summary>A DR configuration (docs/dr.md).</summary>
public sealed record DrFile(string Path, DrConfig Config);

/// <summary>A topology file (docs/spof.md).</summary>
public sealed record TopologyFile(string Path, RackTopology Topology);

/// <summary>
/// The rack description <c>watchdogctl spof</c> reads: any mix of board configurations, pin maps,
/// agent configurations, DR configurations and topology files, told apart by their fields. Each
/// file is read by its own reader (the board's, the pin map's, the DR loader), so what the board
/// or the DR keeper would refuse is refused here too. Every problem in every file is collected
/// before anything is judged: one run names them all, each as <c>file: path: problem</c>.
/// </summary>
public sealed class RackFiles
{
    public List<BoardFile> Boards { get; } = [];

    public List<PinMapFile> PinMaps { get; } = [];

    public List<AgentFile> Agents { get; } = [];

    public List<DrFile> DrConfigs { get; } = [];

    public List<TopologyFile> Topologies { get; } = [];

    /// <summary>Every problem found, as <c>file: path: problem</c>; the description may be judged only when this is empty.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Reads the files from disk; a file that cannot be read is an error like any other.</summary>
    public static RackFiles Read(IEnumerable<string> paths)
    {
        var contents = new List<(string, byte[]?)>();
        var unreadable = new List<string>();
        foreach (string path in paths)
        {
            try
            {
                contents.Add((path, File.ReadAllBytes(path)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                unreadable.Add($"{path}: cannot be read: {ex.Message}");
            }
        }

        var files = FromContents(contents.Select(c => (c.Item1, c.Item2!)));
        files.Errors.InsertRange(0, unreadable);
        return files;
    }

    /// <summary>Reads files already in memory; each path is the name their findings and errors carry.</summary>
    public static RackFiles FromContents(IEnumerable<(string Path, byte[] Utf8Json)> contents)
    {
        var files = new RackFiles();
        foreach (var (path, bytes) in contents)
        {
            files.Add(path, bytes);
        }

        files.CheckAcrossFiles();
        return files;
    }

    /// <summary>Adds one file's content; <paramref name="path"/> is the name its findings and errors carry.</summary>
    private void Add(string path, byte[] utf8Json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(utf8Json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new JsonException("the file is not a JSON object");
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is { } line ? $"line {line + 1}, byte {ex.BytePositionInLine + 1}: " : "";
            Errors.Add($"{path}: {where}not JSON ({ex.Message.Split(" LineNumber:")[0].TrimEnd()})");
            return;
        }

        if (root.ContainsKey(RackTopologyReader.MarkerField))
        {
            var (topology, errors) = RackTopologyReader.Read(root);
            Errors.AddRange(errors.Select(e => $"{path}: {e}"));
            if (topology is not null)
            {
                Topologies.Add(new TopologyFile(path, topology));
            }
        }
        else if (root.ContainsKey("dr_groups"))
        {
            var load = DrConfigLoader.Parse(Encoding.UTF8.GetString(utf8Json));
            Errors.AddRange(load.Errors.Select(e => $"{path}: {e}"));
            if (load.Config is not null)
            {
                DrConfigs.Add(new DrFile(path, load.Config));
            }
        }
        else if (root.ContainsKey("pins"))
        {
            if (PinMapReader.TryRead(utf8Json, out PinMap? map, out string error) && map is not null)
            {
                PinMaps.Add(new PinMapFile(path, map));
            }
            else
            {
                Errors.Add($"{path}: pin map: {error}");
            }
        }
        else if (root.ContainsKey("board") && root.ContainsKey("channels"))
        {
            if (BoardConfigReader.TryRead(utf8Json, out BoardConfig? config, out string error) && config is not null)
            {
                Boards.Add(new BoardFile(path, config));
            }
            else
            {
                Errors.Add($"{path}: board configuration: {error}");
            }
        }
        else if (Field(root, "Node") is not null)
        {
            AddAgent(path, root);
        }
        else
        {
            Errors.Add($"{path}: not a file watchdogctl spof reads: a topology file has \"topology\", a DR configuration \"dr_groups\", a pin map \"pins\", " +
                "a board configuration \"board\" and \"channels\", an agent configuration \"Node\" (docs/spof.md)");
        }
    }

    // The agent reads its file through Microsoft.Extensions.Configuration, whose keys ignore case;
    // so does this, and paths are written as the agent's own validator writes them (Mqtt:Brokers:0:Host).
    private void AddAgent(string path, JsonObject root)
    {
        int before = Errors.Count;
        string node = Text(path, root, "Node", "Node");
        string cluster = Text(path, root, "Cluster", "Cluster");
        string group = Field(root, "Group") is JsonValue g && g.TryGetValue(out string? gs) ? gs : "";
        var brokers = new List<string>();
        if (Field(root, "Mqtt") is not JsonObject mqtt || Field(mqtt, "Brokers") is not JsonArray list || list.Count == 0)
        {
            Errors.Add($"{path}: Mqtt:Brokers: is missing or empty; the agent needs at least one broker");
        }
        else
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] is JsonObject broker && Field(broker, "Host") is JsonValue h && h.TryGetValue(out string? host) && host.Length > 0)
                {
                    int port = Field(broker, "Port") is JsonValue p && p.TryGetValue(out int n) ? n : 1883;
                    brokers.Add($"{host}:{port}");
                }
                else
                {
                    Errors.Add($"{path}: Mqtt:Brokers:{i}:Host: is missing");
                }
            }
        }

        if (Errors.Count == before)
        {
            Agents.Add(new AgentFile(path, cluster, node, group, brokers));
        }
    }

    private string Text(string path, JsonObject obj, string name, string at)
    {
        if (Field(obj, name) is JsonValue v && v.TryGetValue(out string? s) && s.Trim().Length > 0)
        {
            return s;
        }

        Errors.Add($"{path}: {at}: is missing or not a non-empty string");
        return "";
    }

    private static JsonNode? Field(JsonObject obj, string name) =>
        obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>What no single file can check: the files describe one cluster, and every node a topology or agent names is on a board given.</summary>
    private void CheckAcrossFiles()
    {
        var clusters = Boards.Select(b => (b.Path, Field: "cluster", b.Config.Cluster))
            .Concat(Agents.Select(a => (a.Path, Field: "Cluster", a.Cluster)))
            .ToList();
        if (clusters.Count > 0)
        {
            var first = clusters[0];
            foreach (var other in clusters.Where(c => c.Cluster != first.Cluster))
            {
                Errors.Add($"{other.Path}: {other.Field}: '{other.Cluster}', but {first.Path} is for cluster '{first.Cluster}'; one run describes one cluster");
            }
        }

        if (Boards.Count == 0)
        {
            return;
        }

        var nodes = Boards.SelectMany(b => b.Config.Channels.Select(c => c.Node)).ToHashSet(StringComparer.Ordinal);
        string known = string.Join(", ", nodes.Order(StringComparer.Ordinal));
        foreach (var t in Topologies)
        {
            for (int i = 0; i < t.Topology.Servers.Count; i++)
            {
                if (!nodes.Contains(t.Topology.Servers[i].Node))
                {
                    Errors.Add($"{t.Path}: servers[{i}].node: '{t.Topology.Servers[i].Node}' is on no board configuration given (nodes: {known})");
                }
            }
        }

        foreach (var a in Agents.Where(a => !nodes.Contains(a.Node)))
        {
            Errors.Add($"{a.Path}: Node: '{a.Node}' is on no board configuration given (nodes: {known})");
        }
    }
}
