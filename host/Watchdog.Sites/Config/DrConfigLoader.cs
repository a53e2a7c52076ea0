using System.Text.Json;

namespace Watchdog.Sites.Config;

/// <summary>The outcome of reading a DR configuration: the configuration, or every problem found in it.</summary>
public sealed record DrConfigLoad(DrConfig? Config, IReadOnlyList<string> Errors)
{
    public bool Ok => Config is not null;
}

/// <summary>
/// Reads the DR configuration (JSON, snake_case fields like the board's configuration) and checks
/// it against <see cref="DrConfigRules"/>. It never stops at the first problem: the result lists
/// every one, each starting with the path of the field it is about. Unknown fields are refused.
/// </summary>
public static class DrConfigLoader
{
    public static readonly IReadOnlyDictionary<string, Replication> ReplicationWords = new Dictionary<string, Replication>
    {
        ["sync"] = Replication.Sync, ["async"] = Replication.Async, ["log-shipping"] = Replication.LogShipping,
        ["backup"] = Replication.Backup, ["none"] = Replication.None,
    };

    public static readonly IReadOnlyDictionary<string, StandbySite> StandbyWords = new Dictionary<string, StandbySite>
    {
        ["running"] = StandbySite.Running, ["provisioned"] = StandbySite.Provisioned, ["none"] = StandbySite.None,
    };

    public static readonly IReadOnlyDictionary<string, FailoverMode> FailoverWords = new Dictionary<string, FailoverMode>
    {
        ["automatic"] = FailoverMode.Automatic, ["manual"] = FailoverMode.Manual,
    };

    public static DrConfigLoad Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new DrConfigLoad(null, [$"{path}: cannot be read: {ex.Message}"]);
        }

        return Parse(text);
    }

    public static DrConfigLoad Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            return new DrConfigLoad(null, [$"not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {FirstSentence(ex.Message)}"]);
        }

        using (document)
        {
            var f = new JsonFields();
            var config = Read(f, document.RootElement);
            if (config is not null)
            {
                DrConfigRules.Check(f, config);
            }

            return f.Errors.Count == 0 && config is not null ? new DrConfigLoad(config, []) : new DrConfigLoad(null, f.Errors.ToList());
        }
    }

    private static DrConfig? Read(JsonFields f, JsonElement root)
    {
        if (!f.Object(root, "", "cluster", "etcd", "sites", "dr_groups"))
        {
            return null;
        }

        string cluster = f.Name(root, "", "cluster", required: true) ?? "";
        var members = new List<EtcdMember>();
        if (f.Field(root, "", "etcd", required: true) is { } etcd && f.Object(etcd, "etcd", "members"))
        {
            foreach (var (element, path) in f.Array(etcd, "etcd", "members", required: true))
            {
                // A member that could not be read stays as a blank placeholder so every later index, and
                // so every path in an error, is the one in the file.
                members.Add(f.Object(element, path, "site", "endpoint")
                    ? new EtcdMember(f.Name(element, path, "site", required: true) ?? "", f.String(element, path, "endpoint", required: true) ?? "")
                    : new EtcdMember("", ""));
            }
        }

        var sites = new List<Site>();
        foreach (var (element, path) in f.Array(root, "", "sites", required: true))
        {
            if (!f.Object(element, path, "name", "broker", "boards", "arbiter"))
            {
                sites.Add(new Site("", null, [], false));
            }
            else
            {
                var boards = f.Array(element, path, "boards", required: false)
                    .Select(b => b.Element.ValueKind == JsonValueKind.String ? b.Element.GetString()! : Bad(f, b.Path, "must be a board name (a string)"))
                    .ToList();
                sites.Add(new Site(
                    f.Name(element, path, "name", required: true) ?? "",
                    f.String(element, path, "broker", required: false),
                    boards,
                    f.Bool(element, path, "arbiter") ?? false));
            }
        }

        var groups = new List<DrGroup>();
        foreach (var (element, path) in f.Array(root, "", "dr_groups", required: true))
        {
            groups.Add(ReadGroup(f, element, path));
        }

        return new DrConfig(cluster, members, sites, groups);
    }

    private static DrGroup ReadGroup(JsonFields f, JsonElement element, string path)
    {
        if (!f.Object(element, path, "name", "group", "sites", "ticket", "replication", "standby_site", "failover", "objectives"))
        {
            return new DrGroup("", "", [], TicketTiming.Default, Replication.None, StandbySite.None, FailoverMode.Manual, new Objectives(0, 0));
        }

        string name = f.Name(element, path, "name", required: true) ?? "";
        // The board group defaults to the DR group's name: one word less when they agree, as they usually do.
        string group = f.Name(element, path, "group", required: false) ?? name;
        var sites = f.Array(element, path, "sites", required: true)
            .Select(s => s.Element.ValueKind == JsonValueKind.String ? s.Element.GetString()! : Bad(f, s.Path, "must be a site name (a string)"))
            .ToList();

        var ticket = TicketTiming.Default;
        if (f.Field(element, path, "ticket", required: false) is { } t && f.Object(t, path + ".ticket", "lease_ms", "renew_ms", "acquire_after_ms", "stop_margin_ms"))
        {
            string at = path + ".ticket";
            ticket = new TicketTiming(
                f.Milliseconds(t, at, "lease_ms", required: false) ?? TicketTiming.Default.LeaseMs,
                f.Milliseconds(t, at, "renew_ms", required: false) ?? TicketTiming.Default.RenewMs,
                f.Milliseconds(t, at, "acquire_after_ms", required: false) ?? TicketTiming.Default.AcquireAfterMs,
                f.Milliseconds(t, at, "stop_margin_ms", required: false) ?? TicketTiming.Default.StopMarginMs);
        }

        var objectives = new Objectives(0, 0);
        if (f.Field(element, path, "objectives", required: true) is { } o && f.Object(o, path + ".objectives", "rto_ms", "rpo_ms"))
        {
            objectives = new Objectives(
                f.Milliseconds(o, path + ".objectives", "rto_ms", required: true) ?? 0,
                f.Milliseconds(o, path + ".objectives", "rpo_ms", required: true) ?? 0);
        }

        return new DrGroup(
            name, group, sites, ticket,
            f.Word(element, path, "replication", ReplicationWords) ?? Replication.None,
            f.Word(element, path, "standby_site", StandbyWords) ?? StandbySite.None,
            f.Word(element, path, "failover", FailoverWords) ?? FailoverMode.Manual,
            objectives);
    }

    private static string Bad(JsonFields f, string path, string message)
    {
        f.Error(path, message);
        return "";
    }

    private static string FirstSentence(string message) => message.Split(". ")[0].TrimEnd('.');

    public static string Word(Replication r) => ReplicationWords.First(w => w.Value == r).Key;

    public static string Word(StandbySite s) => StandbyWords.First(w => w.Value == s).Key;

    public static string Word(FailoverMode m) => FailoverWords.First(w => w.Value == m).Key;
}
