using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Watchdog.Sites.Config;

namespace Watchdog.Cli.Commands.Dr;

/// <summary>`dr report` as a table (sites preferred first; flags listed under it, one line each) or as one JSON object.</summary>
internal static class DrReportView
{
    public static void Render(DrConfig config, IReadOnlyList<DrGroupReport> report, IReadOnlyList<string> unmatched)
    {
        var table = new Table().Title($"[bold]DR groups of {Markup.Escape(config.Cluster)}[/]")
            .AddColumns("group", "sites", "kind", "tier", "objective", "unplanned", "planned", "flags");
        foreach (var r in report)
        {
            table.AddRow(
                Markup.Escape(r.Group.Name),
                Markup.Escape(string.Join("\n", r.Group.Sites)),
                DrClassification.Word(r.Kind),
                TierMarkup(r),
                $"RTO {Span(r.Group.Objectives.RtoMs)}\nRPO {Span(r.Group.Objectives.RpoMs)}",
                Figure(r.LastUnplanned),
                Figure(r.LastPlanned),
                r.Flags.Count == 0 ? "[green]none[/]" : $"[red]{r.Flags.Count}[/]");
        }

        AnsiConsole.Write(table);
        foreach (int tier in report.Select(r => r.Tier).Distinct().Order())
        {
            Console.WriteLine($"tier {tier}: {DrClassification.TierName(tier)}");
        }

        foreach (var r in report)
        {
            foreach (string flag in r.Flags)
            {
                Console.WriteLine($"FLAG {r.Group.Name}: {flag}");
            }
        }

        foreach (string name in unmatched)
        {
            Console.WriteLine($"note: the figures name group '{name}', which this configuration does not have; ignored");
        }
    }

    public static string ToJson(DrConfig config, IReadOnlyList<DrGroupReport> report, IReadOnlyList<string> unmatched)
    {
        var groups = new JsonArray();
        foreach (var r in report)
        {
            var g = r.Group;
            groups.Add(new JsonObject
            {
                ["name"] = g.Name,
                ["group"] = g.Group,
                ["sites"] = new JsonArray(g.Sites.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                ["replication"] = DrConfigLoader.Word(g.Replication),
                ["standby_site"] = DrConfigLoader.Word(g.StandbySite),
                ["failover"] = DrConfigLoader.Word(g.Failover),
                ["kind"] = DrClassification.Word(r.Kind),
                ["configured_tier"] = r.ConfiguredTier,
                ["tier"] = r.Tier,
                ["tier_name"] = DrClassification.TierName(r.Tier),
                ["objectives"] = new JsonObject { ["rto_ms"] = g.Objectives.RtoMs, ["rpo_ms"] = g.Objectives.RpoMs },
                ["min_site_rto_ms"] = g.Ticket.MinSiteRtoMs,
                // The planned switch a drill line nests is last_planned's business (when it is the latest).
                ["last_unplanned"] = r.LastUnplanned is null ? null : JsonNode.Parse((r.LastUnplanned with { PlannedSwitch = null }).ToJsonLine()),
                ["last_planned"] = r.LastPlanned is null ? null : JsonNode.Parse(r.LastPlanned.ToJsonLine()),
                ["flags"] = new JsonArray(r.Flags.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
            });
        }

        var root = new JsonObject
        {
            ["cluster"] = config.Cluster,
            ["groups"] = groups,
            ["flagged"] = report.Count(r => r.Flags.Count > 0),
            ["unmatched_figures"] = new JsonArray(unmatched.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static string TierMarkup(DrGroupReport r) =>
        r.Tier < r.ConfiguredTier ? $"[red]{r.Tier}[/]\n(set {r.ConfiguredTier})" : r.Tier.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Figure(DrillFigure? f) => f is null
        ? "[grey]never[/]"
        : $"RTO {Span(f.SiteRtoMs)}\n{(f.RpoMeasured ? $"RPO {Span(f.RpoMs ?? 0)}\n{f.RpoRows} rows" : "[yellow]RPO not measured[/]")}{(f.OverlapMs > 0 ? $"\n[red]overlap {f.OverlapMs} ms[/]" : "")}\n{f.Date.UtcDateTime:yyyy-MM-dd}";

    /// <summary>A duration as an operator reads it: 850 ms, 15.2 s, 5 min, 1 h.</summary>
    internal static string Span(long ms) => ms switch
    {
        < 1000 => $"{ms} ms",
        < 60_000 => $"{ms / 1000.0:0.#} s",
        < 3_600_000 => $"{ms / 60_000.0:0.#} min",
        _ => $"{ms / 3_600_000.0:0.#} h",
    };
}
